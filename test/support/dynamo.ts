import { startLocalDynamo, type LocalDynamo } from '../../shared/local/dynalite';

/** A fresh dynalite table per test file: `const db = useDynamo(); ... db().table`. */
export function useDynamo(): () => LocalDynamo {
  let local: LocalDynamo | undefined;
  beforeAll(async () => {
    local = await startLocalDynamo(`t${process.pid}${Math.floor(Math.random() * 1e6)}`);
  });
  afterAll(async () => {
    await local?.close();
  });
  return () => {
    if (!local) throw new Error('dynalite not started');
    return local;
  };
}
