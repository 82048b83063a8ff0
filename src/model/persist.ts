import { TinyconvError } from '../core/errors.js';
import type { EncodeOptions } from '../io/format.js';
import { loadArtifacts, type ArtifactsSource, type LoadOptions } from '../io/load.js';
import { saveArtifacts, type SavedFiles } from '../io/save.js';
import { Model } from './model.js';

/**
 * Saving and loading whole models in the tinyconv format (docs/format.md). Loading validates the
 * file and then the graph and every weight before returning, so a failure never leaves a
 * half-loaded model behind.
 */
export async function loadModel(source: ArtifactsSource, options?: LoadOptions): Promise<Model> {
  const artifacts = await loadArtifacts(source, options);
  try {
    return Model.fromArtifacts(artifacts);
  } catch (e) {
    if (e instanceof TinyconvError) {
      const where = typeof source === 'string' ? source : source instanceof URL ? source.href : 'model bytes';
      throw new TinyconvError(e.code, `loading ${where}: ${e.message.replace(/^\[[A-Z_]+\] /, '')}`, e.details, { cause: e });
    }
    throw e;
  }
}

/** Saves `model` to a file path ('.json' gives manifest + blob, anything else one file) or returns the bytes. */
export function saveModel(model: Model, target: 'bytes', options?: EncodeOptions): Promise<Uint8Array>;
export function saveModel(model: Model, target: string | URL, options?: EncodeOptions): Promise<SavedFiles>;
export function saveModel(model: Model, target: string | URL, options: EncodeOptions = {}): Promise<Uint8Array | SavedFiles> {
  if (!(model instanceof Model)) return Promise.reject(new TinyconvError('E_ARG', 'saveModel: the first argument must be a Model'));
  return saveArtifacts(model.toArtifacts(), target as string, options);
}
