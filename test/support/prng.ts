/**
 * A small seeded PRNG (mulberry32) for randomized tests: the same seed generates the same operations,
 * so a failure can be replayed (`RACE_SEED=<seed> npx vitest run ...`). Every random test takes its
 * seed from `testSeed`, which prints it with the variable that replays it.
 */
export interface Prng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: readonly T[]): T[];
}

export function seedFromEnv(name: string): number {
  const raw = process.env[name];
  if (raw !== undefined && raw !== "") {
    const seed = Number(raw);
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
      throw new Error(`${name} must be an integer 0..2^32-1`);
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 32);
}

/**
 * The seed of a random test: the environment variable `name` replays one, otherwise a fresh one is
 * drawn. Printed either way (`<what>: seed N (replay: NAME=N)`), so a failure in CI can be replayed.
 */
export function testSeed(name: string, what: string): number {
  const seed = seedFromEnv(name);
  console.info(`${what}: seed ${seed} (replay: ${name}=${seed})`);
  return seed;
}

export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error("pick from an empty list");
      return items[int(0, items.length - 1)] as (typeof items)[number];
    },
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j] as (typeof out)[number], out[i] as (typeof out)[number]];
      }
      return out;
    },
  };
}
