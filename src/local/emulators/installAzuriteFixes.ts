/** Installs the fixes (LokiJS's and the copy source check) on import, for `azuriteProcess`, before Azurite is loaded. */
import { installBatchedExtentDeletes } from './batchedExtentDeletes';
import { installHeadCopySourceCheck } from './headCopySourceCheck';
import { installIncrementalBatches } from './incrementalBatches';
import { installOldestVisibleMessages } from './oldestVisibleMessages';
import { installQueueTimeIndexes } from './queueTimeIndexes';
import { installSelectiveLookups } from './selectiveLookups';

installSelectiveLookups();
installIncrementalBatches();
installQueueTimeIndexes();
installOldestVisibleMessages();
installBatchedExtentDeletes();
installHeadCopySourceCheck();
