/**
 * Entry of Azurite's own process: Azurite's command line, with fixes to the LokiJS it keeps
 * its metadata in, without which every request slows down in proportion to what is stored (see
 * `selectiveLookups`, `incrementalBatches` and `queueTimeIndexes`), and a copy source check that
 * does not download the source (`headCopySourceCheck`).
 */
import './installAzuriteFixes'; // first: Azurite must load the patched LokiJS and handlers
import 'azurite/dist/src/azurite.js';
import { whenOrphaned } from '../whenOrphaned';

// Azurite has no IPC channel to notice its parent's end by, and would hold its ports forever if
// the process that started it were SIGKILLed: it stops as on SIGTERM (its own clean shutdown),
// and exits regardless if that has not ended it after a while.
whenOrphaned(() => {
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.exit(0), 10_000).unref();
});
