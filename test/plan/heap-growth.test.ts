import { describe, expect, it } from 'vitest';
import { HEAP_GROWTH_PERCENT, heapGrowthFor } from '../../src/cli/heap.js';

describe('the heap growth a plan sets', () => {
  it('lets a smaller organization trade memory for CPU, and keeps 5,000 accounts and more near their live heap', () => {
    expect(heapGrowthFor(1_000)).toBe(100);
    expect(heapGrowthFor(4_999)).toBe(100);
    expect(heapGrowthFor(5_000)).toBe(HEAP_GROWTH_PERCENT);
    expect(heapGrowthFor(10_000)).toBe(50);
  });
});
