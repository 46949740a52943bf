/**
 * How this portal signs admins in, read from `portal-config.json` beside index.html: the embedded
 * runtime serves one that names its local issuer; in Azure, deployment writes one naming the app
 * registration (docs/deploy.md, "The admin portal").
 */
export type PortalConfig =
  | { signIn: 'local' }
  | {
      signIn: 'entra';
      /** The portal's own app registration (a single-page application client). */
      clientId: string;
      /** `https://login.microsoftonline.com/organizations` or a tenant's authority. */
      authority: string;
      /** The API's scope, `api://…/user_impersonation`. */
      scope: string;
    };

export async function loadPortalConfig(): Promise<PortalConfig> {
  const response = await fetch('./portal-config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`portal-config.json could not be read (${response.status})`);
  const config = (await response.json()) as PortalConfig;
  if (config.signIn !== 'local' && config.signIn !== 'entra')
    throw new Error('portal-config.json names no sign-in (signIn: "local" or "entra")');
  return config;
}
