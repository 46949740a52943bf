/** Settings of the embedded runtime only (`npm start`); the Functions host never reads them. */
export const LocalSettingNames = {
  httpPort: 'LOCAL_HTTP_PORT',
  blobPort: 'LOCAL_BLOB_PORT',
  queuePort: 'LOCAL_QUEUE_PORT',
  tablePort: 'LOCAL_TABLE_PORT',
  cosmosPort: 'LOCAL_COSMOS_PORT',
  /** `start` (default) runs Azurite and the Cosmos emulator; `attach` uses what is already running. */
  emulators: 'LOCAL_EMULATORS',
} as const;
