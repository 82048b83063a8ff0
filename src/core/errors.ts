/**
 * Every failure the library reports on purpose is a TinyconvError with a stable code, so callers
 * can branch on `err.code` and users read a message naming what was wrong and where.
 */
export type ErrorCode =
  | 'E_SHAPE' // a shape that does not fit (rank, size, mismatch between inputs)
  | 'E_ATTR' // an op or layer attribute that is missing, of the wrong type or out of range
  | 'E_ARG' // a bad argument to a public function
  | 'E_DTYPE' // an unsupported data type
  | 'E_VALUE' // a value that is not allowed (NaN weights, negative size...)
  | 'E_UNSUPPORTED' // a valid request the library does not implement
  | 'E_NO_KERNEL' // a backend lacks a kernel for an op
  | 'E_BACKEND' // a backend could not start or failed
  | 'E_DISPOSED' // use of a tensor after dispose()
  | 'E_FORMAT' // malformed bytes: model file, .npy, protobuf
  | 'E_CHECKSUM' // the checksum of a model blob does not match its manifest
  | 'E_IO' // reading or writing a file / URL failed
  | 'E_MEMORY' // a size that would exhaust memory
  | 'E_GRAPH' // a model graph that is not well formed
  | 'E_CONFIG'; // a model config (Keras JSON, manifest) that cannot be understood

export class TinyconvError extends Error {
  readonly code: ErrorCode;
  /** Structured facts about the failure (layer, op, shapes...) for programs that inspect it. */
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(`[${code}] ${message}`, options);
    this.name = 'TinyconvError';
    this.code = code;
    this.details = details;
  }
}

/** Throws a TinyconvError when `cond` is false. */
export function check(cond: unknown, code: ErrorCode, message: string | (() => string), details?: Record<string, unknown>): asserts cond {
  if (!cond) throw new TinyconvError(code, typeof message === 'function' ? message() : message, details);
}

/** Prefixes a location ("layer conv1 (Conv2D)") to errors raised inside `fn`, keeping code and details. */
export function withContext<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TinyconvError && !e.message.includes(where)) {
      const inner = e.message.replace(/^\[[A-Z_]+\] /, '');
      throw new TinyconvError(e.code, `${where}: ${inner}`, { ...e.details, where }, { cause: e });
    }
    throw e;
  }
}
