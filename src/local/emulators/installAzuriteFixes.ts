/** Installs the LokiJS fixes on import, for `azuriteProcess`, before Azurite is loaded. */
import { installIncrementalBatches } from './incrementalBatches';
import { installQueueTimeIndexes } from './queueTimeIndexes';
import { installSelectiveLookups } from './selectiveLookups';

installSelectiveLookups();
installIncrementalBatches();
installQueueTimeIndexes();
