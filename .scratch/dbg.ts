import { registerUntilFinal } from '../test/helpers/portal-client';
import { startSystem } from '../test/helpers/system';
async function main() {
  const system = await startSystem({
    env: { LOOKUP_MODE: 'basic', SYNC_SHARDS: '2' },
    faults: true,
    forkPerRequest: false,
  });
  try {
    system.proxy!.configure([
      { action: 'drop_answer', product: 'api', method: 'POST', path: /\/Messages\.json$/, times: 8 },
    ]);
    const rs = await Promise.all(
      [1, 2, 3, 4].map((i) => registerUntilFinal(system, { user_id: `u${i}`, phone: `+977981100000${i}` })),
    );
    console.log(rs.map((r) => `${r.status} ${r.attempts} ${JSON.stringify(r.body)}`));
    await system.sandbox.settle();
    console.log(system.proxy!.counts());
    console.log(system.sandbox.messages().map((m) => `${m.to} ${m.sendAt ?? ''} ${m.status}`));
    console.log(
      system
        .logs()
        .split('\n')
        .filter((l) => /tip|ambig|adopt|warn|error|register/i.test(l))
        .join('\n'),
    );
  } finally {
    await system.stop();
  }
}
void main();
