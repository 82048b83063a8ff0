import { TinyconvError } from '../../core/errors.js';
import type { AttrReader } from '../../ops/attrs.js';
import { readInitializer, serializeInitializer, type Initializer } from '../initializers.js';

/** How an initializer may be written in a config: a Keras name or a serialized object. */
export type InitializerConfig = string | { class_name: string; config?: Record<string, unknown> } | null;

/** Regularizer and constraint keys of the weights named by `prefixes`: kept, not applied. */
export function passthroughKeys(...prefixes: string[]): string[] {
  return [...prefixes.flatMap((p) => [`${p}_regularizer`, `${p}_constraint`]), 'activity_regularizer'];
}

export function initializer(r: AttrReader, where: string, attr: string, def: string): Initializer {
  return readInitializer(r.any(attr), def, where, attr);
}

export function initConfig(i: Initializer): { class_name: string; config: Record<string, unknown> } {
  return serializeInitializer(i);
}

/**
 * A key that must keep its neutral value (false, null, or `neutral`): features of Keras this
 * library does not implement (LoRA adapters, batch renormalization...). Anything else is E_UNSUPPORTED.
 */
export function requireNeutral(r: AttrReader, where: string, key: string, neutral: unknown = null): void {
  const v = r.any(key);
  if (v === undefined || v === null || v === false || v === neutral) return;
  throw new TinyconvError('E_UNSUPPORTED', `${where}: ${key} = ${JSON.stringify(v)} is not supported (only ${JSON.stringify(neutral)})`, { attr: key, value: v });
}
