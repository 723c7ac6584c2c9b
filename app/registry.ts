/**
 * The systems this project deploys. Adding one is a folder under systems/ and a line here:
 * the environment schema, synth, Argo CD, secrets, sealing and the verify suite loop over this list.
 */
import { SystemDefinition } from '../charts/system';
import { booksync } from '../systems/booksync';
import { mnemolite } from '../systems/mnemolite';

const REGISTERED = [booksync, mnemolite] as const;

/** The registered systems with their config types, for a typed EnvironmentConfig. */
export type RegisteredSystem = (typeof REGISTERED)[number];

export const SYSTEMS: readonly SystemDefinition[] = REGISTERED;
