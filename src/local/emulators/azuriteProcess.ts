/**
 * Entry of Azurite's own process: Azurite's command line, with fixes to the LokiJS it keeps
 * its metadata in, without which every request slows down in proportion to what is stored (see
 * `selectiveLookups`, `incrementalBatches` and `queueTimeIndexes`), and a copy source check that
 * does not download the source (`headCopySourceCheck`).
 */
import './installAzuriteFixes'; // first: Azurite must load the patched LokiJS and handlers
import 'azurite/dist/src/azurite.js';
