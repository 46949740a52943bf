/** The Functions host entry: host options, the configuration checked, then every function definition. */
import { app } from '@azure/functions';
import { getConfig } from './config';

app.setup({ enableHttpStream: true });

// A missing or invalid setting stops the app loading, with one message naming every bad setting,
// instead of failing request by request.
getConfig();

import './functions';
