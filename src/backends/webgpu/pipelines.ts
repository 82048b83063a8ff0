import { programSource, type ProgramName } from './programs.js';

/** Pipeline-overridable constants: load-time facts only (workgroup size, activation kind, mode). */
export type Constants = Readonly<Record<string, number>>;

export interface PipelineStats {
  pipelines: number;
  modules: number;
  hits: number;
  misses: number;
}

/**
 * Compute pipelines keyed by (program, entry point, constants). Sizes never enter the key: they
 * travel in uniforms, so one pipeline serves every shape. Each program's shader module is
 * compiled once.
 */
export class PipelineCache {
  readonly #modules = new Map<ProgramName, GPUShaderModule>();
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  /** Workgroup invocations of each pipeline, for limit checks (tests, diagnostics). */
  readonly invocations = new Map<string, number>();
  #hits = 0;
  #misses = 0;

  constructor(private readonly device: GPUDevice) {}

  static key(program: ProgramName, entry: string, constants: Constants): string {
    const c = Object.keys(constants).sort().map((k) => `${k}=${constants[k]}`).join(',');
    return `${program}:${entry}:${c}`;
  }

  /** The pipeline; `invocations` is its workgroup size (x*y*z), recorded for checks. */
  get(program: ProgramName, entry: string, constants: Constants, invocations: number): GPUComputePipeline {
    const key = PipelineCache.key(program, entry, constants);
    const hit = this.#pipelines.get(key);
    if (hit) {
      this.#hits++;
      return hit;
    }
    this.#misses++;
    let module = this.#modules.get(program);
    if (!module) {
      module = this.device.createShaderModule({ code: programSource(program), label: `tinyconv ${program}` });
      this.#modules.set(program, module);
    }
    const p = this.device.createComputePipeline({ layout: 'auto', label: `tinyconv ${key}`, compute: { module, entryPoint: entry, constants: { ...constants } } });
    this.#pipelines.set(key, p);
    this.invocations.set(key, invocations);
    return p;
  }

  stats(): PipelineStats {
    return { pipelines: this.#pipelines.size, modules: this.#modules.size, hits: this.#hits, misses: this.#misses };
  }
}
