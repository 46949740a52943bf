import { describe, expect, it } from 'vitest';
import { parseRoute } from '../src/routes';
import {
  apiQueryOfView,
  defaultView,
  queryOfView,
  viewFromQuery,
  viewKey,
  type DeviceListView,
} from '../src/logic/deviceListView';
import { href } from '../src/routes';

const read = (hash: string) => viewFromQuery(parseRoute(hash).query);

describe('deviceListView', () => {
  it('reads every filter, the sort and the page size from the hash', () => {
    expect(
      read(
        '#/devices?policy=standard&region=westeurope&tier=2&status=at-risk&sort=lastVerifiedAt&pageSize=25',
      ),
    ).toEqual({
      policyId: 'standard',
      primaryRegion: 'westeurope',
      priorityTier: 2,
      status: 'at-risk',
      sort: 'lastVerifiedAt',
      pageSize: 25,
    });
  });

  it('opens the same view from the link it makes', () => {
    const view: DeviceListView = {
      policyId: 'gold.1',
      primaryRegion: 'westeurope',
      priorityTier: 10,
      status: 'breached',
      sort: 'lastVerifiedAt',
      pageSize: 100,
    };
    expect(read(href(['devices'], queryOfView(view)))).toEqual(view);
  });

  it('keeps defaults out of the link', () => {
    expect(href(['devices'], queryOfView(defaultView))).toBe('#/devices');
    expect(read('#/devices')).toEqual(defaultView);
  });

  it('drops what the API would refuse instead of sending it', () => {
    expect(
      read('#/devices?policy=../x&region=West%20Europe&tier=11&status=fine&sort=upn&pageSize=1000'),
    ).toEqual(defaultView);
    expect(read('#/devices?tier=0').priorityTier).toBeUndefined();
    expect(read('#/devices?tier=1.5').priorityTier).toBeUndefined();
  });

  it('asks the API for one page of the view, sending the sort only when not the default', () => {
    expect(apiQueryOfView(defaultView, undefined)).toMatchObject({ pageSize: 50, sort: undefined });
    expect(
      apiQueryOfView({ ...defaultView, sort: 'lastVerifiedAt', status: 'breached' }, 'tok'),
    ).toMatchObject({
      sort: 'lastVerifiedAt',
      status: 'breached',
      continuationToken: 'tok',
    });
  });

  it('changes its key exactly when the view changes', () => {
    expect(viewKey({ ...defaultView })).toBe(viewKey(defaultView));
    expect(viewKey({ ...defaultView, status: 'protected' })).not.toBe(viewKey(defaultView));
    expect(viewKey({ ...defaultView, pageSize: 25 })).not.toBe(viewKey(defaultView));
  });
});
