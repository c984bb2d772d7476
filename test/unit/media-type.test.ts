import { parseAccept } from '../../apiserver/encoding/media-type.js';

describe('parseAccept', () => {
  it('defaults to */* without a header', () => {
    expect(parseAccept(undefined)).toEqual([{ type: '*/*', params: {}, q: 1 }]);
  });

  it('keeps parameters and orders by q then position', () => {
    const accepted = parseAccept('application/json;q=0.5, application/json;as=Table;v=v1;g=meta.k8s.io, application/yaml;q=0');
    expect(accepted).toEqual([
      { type: 'application/json', params: { as: 'Table', v: 'v1', g: 'meta.k8s.io' }, q: 1 },
      { type: 'application/json', params: {}, q: 0.5 },
    ]);
  });
});
