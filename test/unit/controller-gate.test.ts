// The controllers run only on the leader, and only once the caches they read have synced.
import { ControllerGate } from '../../storage/controller-gate.js';

describe('ControllerGate', () => {
  let log: string[];
  let gate: ControllerGate;
  const controller = (name: string) => ({ start: () => log.push(`start ${name}`), stop: () => log.push(`stop ${name}`) });

  beforeEach(() => {
    log = [];
    gate = new ControllerGate([controller('a'), controller('b')]);
  });

  it('starts nothing while only leading, or only synced', () => {
    gate.startedLeading();
    expect(log).toEqual([]);
    gate = new ControllerGate([controller('a')]);
    gate.cachesSynced();
    expect(log).toEqual([]);
  });

  it('starts every controller once both hold, in either order', () => {
    gate.startedLeading();
    gate.cachesSynced();
    expect(log).toEqual(['start a', 'start b']);
    log = [];
    const other = new ControllerGate([controller('c')]);
    other.cachesSynced();
    other.startedLeading();
    expect(log).toEqual(['start c']);
  });

  it('stops them when leadership is lost, and starts them again when it comes back', () => {
    gate.cachesSynced();
    gate.startedLeading();
    gate.stoppedLeading();
    gate.startedLeading();
    expect(log).toEqual(['start a', 'start b', 'stop a', 'stop b', 'start a', 'start b']);
  });
});
