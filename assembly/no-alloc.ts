/**
 * The AssemblyScript runtime of every build (asconfig.json "runtime"): one that refuses to
 * allocate. The host owns all memory above the static data (src/backends/wasm/memory.ts), so a
 * kernel that used `new` (an array, a StaticArray...) would write over live tensors. Any such
 * allocation traps instead ("wasm kernel ... failed: unreachable"): use locals, or scratch memory
 * from the binding (rt.scratch). Constant tables declared at the top level are static data and
 * need no runtime.
 */

// @ts-ignore: decorator
@unsafe @global
export function __alloc(size: usize): usize {
  unreachable();
  return 0;
}

// @ts-ignore: decorator
@unsafe @global
export function __realloc(ptr: usize, size: usize): usize {
  unreachable();
  return 0;
}

// @ts-ignore: decorator
@unsafe @global
export function __free(ptr: usize): void {
  unreachable();
}

// @ts-ignore: decorator
@unsafe @global
export function __reset(): void {
  unreachable();
}

// @ts-ignore: decorator
@unsafe @global
export function __new(size: usize, id: u32): usize {
  unreachable();
  return 0;
}

// @ts-ignore: decorator
@unsafe @global
export function __renew(oldPtr: usize, size: usize): usize {
  unreachable();
  return 0;
}

// Nothing is ever allocated, so there is nothing to link, pin or collect.

// @ts-ignore: decorator
@global @unsafe
export function __link(parentPtr: usize, childPtr: usize, expectMultiple: bool): void {}

// @ts-ignore: decorator
@global @unsafe
export function __pin(ptr: usize): usize {
  return ptr;
}

// @ts-ignore: decorator
@global @unsafe
export function __unpin(ptr: usize): void {}

// @ts-ignore: decorator
@global @unsafe
function __visit(ptr: usize, cookie: u32): void {}

// @ts-ignore: decorator
@global @unsafe
export function __collect(): void {}
