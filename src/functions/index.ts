/** Loads every function module; each defines its functions as it loads. */
import './health';
import './openApiDocument';
import './localIssuerKeys';
import './tenants';
import './policies';
import './devices';
import './deviceDiscoveries';
import './restorePoints';
import './compliance';
import './audit';
import './protection';
import './activations';
import './activationPreviews';
import './activationWorkflow';
import './recovery';
import './copySlots';
import './userDrStatus';
