/** The Functions host entry: host options, then every function definition. */
import { app } from '@azure/functions';

app.setup({ enableHttpStream: true });

import './functions';
