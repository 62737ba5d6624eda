import { randomBytes } from 'node:crypto';
import type { Clock, RandomSource } from '../../ports/clock';

/**
 * The real clock and randomness. One shared object each, so the local sandbox and the workflow tests can
 * point every handler at their own clock through this single seam.
 */
export const systemClock: Clock = { now: () => new Date() };
export const cryptoRandom: RandomSource = { bytes: (count) => randomBytes(count) };
