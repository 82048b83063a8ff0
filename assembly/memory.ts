/**
 * Linear-memory arena for the JS side. Tensors are carved from one bump region that starts at the
 * end of static data; the host takes a `mark()` before a batch of allocations and hands it back
 * to `reset()` when the batch is done, so nothing is ever freed one block at a time. Blocks are
 * 16-byte aligned so every f32x4 load and store in the kernels is naturally aligned.
 */

const ALIGN: usize = 16;
const PAGE_BITS: u64 = 16;

const base: usize = (__heap_base + ALIGN - 1) & ~(ALIGN - 1);
let top: usize = base;

/**
 * Reserves `bytes` bytes and returns their address, growing memory when needed. Returns 0 when
 * memory cannot grow that far (the host turns that into an out-of-memory error).
 */
export function alloc(bytes: usize): usize {
  const ptr = top;
  // Guard the address arithmetic against wrapping past 4 GiB.
  if (bytes > <usize>-1 - ptr - ALIGN) return 0;
  const end = (ptr + bytes + ALIGN - 1) & ~(ALIGN - 1);
  // In 64 bits: a full 4 GiB memory has 65536 pages, whose byte size does not fit a usize.
  const have = (<u64>memory.size()) << PAGE_BITS;
  if (<u64>end > have) {
    const pages = (<u64>end - have + (1 << PAGE_BITS) - 1) >> PAGE_BITS;
    if (memory.grow(<i32>pages) < 0) return 0;
  }
  top = end;
  return ptr;
}

/** The current end of the arena, to pass to `reset()` later. */
export function mark(): usize {
  return top;
}

/** Frees everything allocated since `m` was taken. A mark from the future or before the arena traps. */
export function reset(m: usize): void {
  if (m < base || m > top || (m & (ALIGN - 1)) != 0) unreachable();
  top = m;
}

/** Start of the arena: `mark()` equals this when nothing is allocated. */
export function arenaBase(): usize {
  return base;
}
