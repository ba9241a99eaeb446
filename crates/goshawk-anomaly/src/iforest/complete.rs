//! The forest re-laid out as complete binary trees for a SIMD walk. Node `i`'s children sit at
//! `2i + 1` and `2i + 2`, so a step needs no child pointer: `i = 2i + 1 + (value > threshold)`.
//! A leaf shallower than the deepest one is padded down with `+inf` thresholds (every row goes
//! left), and its path length is copied to each padded leaf below it, so every walk takes exactly
//! `depth` steps and 16 rows walk a tree in lockstep in one AVX-512 register.
//!
//! Why: the pointer walk of `mod.rs` scores 1M × 11 rows through 100 trees in 0.53 s on one core
//! here; the AVX-512 walk below, in 0.27–0.30 s with the same scores bit for bit (sums are added
//! in the same order). A gather is about one load per lane on this CPU, so the walk avoids them
//! where it can: the top three levels load each node's 16 values and blend, the next ones pick
//! thresholds and column offsets from registers with permutes (a first version that gathered
//! everything took 0.74 s). BENCHMARKS.md has the comparison with scikit-learn.

use super::{IsolationForest, BLOCK_ROWS};

/// Deepest tree laid out this way: 2^12 leaves of 100 trees is 3.2 MB. scikit-learn's default of
/// 256 samples gives depth 8; deeper forests keep the pointer walk.
const MAX_COMPLETE_DEPTH: u32 = 12;

/// The forest's trees, all padded to one depth.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CompleteTrees {
    depth: u32,
    /// `n_trees × (2^depth − 1)` split thresholds, tree after tree.
    thresholds: Vec<f32>,
    /// Same shape: the split feature times [`BLOCK_ROWS`], the offset of its column in a block.
    column_offsets: Vec<i32>,
    /// `n_trees × 2^depth` path lengths (depth of the real leaf plus `c(rows in it)`).
    leaf_path_lengths: Vec<f32>,
    n_features: usize,
}

/// Spare entries after the threshold and offset arrays: a level's table is read 16 to 128 entries
/// at a time ([`lookup`]), past the end of the last tree when its levels are short.
const TABLE_PADDING: usize = 128;

impl CompleteTrees {
    /// The complete layout of `forest`, or `None` when its deepest tree is too deep for it.
    pub(super) fn build(forest: &IsolationForest) -> Option<Self> {
        let depth = forest.trees.iter().map(|tree| tree.depth).max()?;
        if depth > MAX_COMPLETE_DEPTH
            || forest.n_features.checked_mul(BLOCK_ROWS)? > i32::MAX as usize
        {
            return None;
        }
        let internal = (1usize << depth) - 1;
        let mut layout = Self {
            depth,
            thresholds: vec![f32::INFINITY; internal * forest.trees.len() + TABLE_PADDING],
            column_offsets: vec![0; internal * forest.trees.len() + TABLE_PADDING],
            leaf_path_lengths: vec![0.0; (internal + 1) * forest.trees.len()],
            n_features: forest.n_features,
        };
        for (index, tree) in forest.trees.iter().enumerate() {
            let thresholds = &mut layout.thresholds[index * internal..(index + 1) * internal];
            let offsets = &mut layout.column_offsets[index * internal..(index + 1) * internal];
            let leaves =
                &mut layout.leaf_path_lengths[index * (internal + 1)..(index + 1) * (internal + 1)];
            let mut pending = vec![(tree.root as usize, 0usize)];
            while let Some((node_index, slot)) = pending.pop() {
                if slot >= internal {
                    // Only leaves reach the bottom row: a tree is at most `depth` deep.
                    leaves[slot - internal] = forest.leaf_path_lengths[node_index];
                    continue;
                }
                let node = forest.nodes[node_index];
                let is_leaf = node.left as usize == node_index;
                if is_leaf {
                    // +inf and offset 0 already: every row goes left, down to the bottom row.
                    pending.push((node_index, 2 * slot + 1));
                    pending.push((node_index, 2 * slot + 2));
                } else {
                    thresholds[slot] = node.threshold;
                    offsets[slot] = (node.feature as usize * BLOCK_ROWS) as i32;
                    pending.push((node.left as usize, 2 * slot + 1));
                    pending.push((node.left as usize + 1, 2 * slot + 2));
                }
            }
        }
        Some(layout)
    }

    /// Adds each row's path length summed over the trees to `total_path`, for the [`BLOCK_ROWS`]
    /// rows stored feature-major in `columns`; `false` (nothing added) when this CPU lacks
    /// AVX-512.
    pub(super) fn add_path_lengths(&self, columns: &[f32], total_path: &mut [f64]) -> bool {
        // Column offsets are `feature × BLOCK_ROWS` with `feature < n_features` (checked when the
        // forest was built or loaded), so every column read stays inside `columns`.
        assert_eq!(columns.len(), self.n_features * BLOCK_ROWS);
        assert_eq!(total_path.len(), BLOCK_ROWS);
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU has AVX-512F (checked just above); the bounds the walk relies
                // on are asserted above and documented on `walk_avx512`.
                unsafe { self.walk_avx512(columns, total_path) };
                return true;
            }
        }
        false
    }

    /// # Safety
    /// AVX-512F must be available; `columns.len() == n_features × BLOCK_ROWS` and
    /// `total_path.len() == BLOCK_ROWS` (so every gather stays in bounds: a row's position within
    /// level `k` stays below `2^k`, and the arrays hold [`TABLE_PADDING`] spare entries for the
    /// 16-wide table loads of the top levels).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn walk_avx512(&self, columns: &[f32], total_path: &mut [f64]) {
        use std::arch::x86_64::*;
        const LANES: usize = 16;
        /// Groups of 16 rows walked together, so that one group's gathers wait while the others'
        /// compute.
        const GROUPS: usize = 4;
        let depth = self.depth as usize;
        let internal = (1usize << depth) - 1;
        let n_trees = self.leaf_path_lengths.len() >> depth;
        let lane_numbers = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        let columns_at = columns.as_ptr();
        for tree in 0..n_trees {
            let thresholds = self.thresholds.as_ptr().add(tree * internal);
            let offsets = self.column_offsets.as_ptr().add(tree * internal);
            let leaves = self.leaf_path_lengths.as_ptr().add(tree * (internal + 1));
            for first_row in (0..BLOCK_ROWS).step_by(LANES * GROUPS) {
                let rows: [__m512i; GROUPS] = std::array::from_fn(|group| {
                    _mm512_add_epi32(
                        lane_numbers,
                        _mm512_set1_epi32((first_row + group * LANES) as i32),
                    )
                });
                // Each row's position within the current level.
                let mut position = [_mm512_setzero_si512(); GROUPS];
                for level in 0..depth {
                    let level_start = (1usize << level) - 1;
                    let level_thresholds = thresholds.add(level_start);
                    let level_offsets = offsets.add(level_start);
                    for group in 0..GROUPS {
                        let at = position[group];
                        let block_row = first_row + group * LANES;
                        let value = if level <= LOADED_LEVELS {
                            // So few nodes that loading each one's 16 values and blending beats
                            // a gather.
                            let load = |node: usize| {
                                _mm512_loadu_ps(
                                    columns_at.add(*level_offsets.add(node) as usize + block_row),
                                )
                            };
                            match level {
                                0 => load(0),
                                1 => _mm512_mask_blend_ps(
                                    _mm512_test_epi32_mask(at, _mm512_set1_epi32(1)),
                                    load(0),
                                    load(1),
                                ),
                                _ => {
                                    let bit_0 = _mm512_test_epi32_mask(at, _mm512_set1_epi32(1));
                                    _mm512_mask_blend_ps(
                                        _mm512_test_epi32_mask(at, _mm512_set1_epi32(2)),
                                        _mm512_mask_blend_ps(bit_0, load(0), load(1)),
                                        _mm512_mask_blend_ps(bit_0, load(2), load(3)),
                                    )
                                }
                            }
                        } else {
                            // Up to 128 nodes fit in eight registers: permutes pick each lane's
                            // node, where a gather would cost a load per lane.
                            let offset = if level <= PERMUTED_LEVELS {
                                _mm512_castps_si512(lookup(at, level_offsets.cast(), 1 << level))
                            } else {
                                _mm512_i32gather_epi32::<4>(at, level_offsets)
                            };
                            _mm512_i32gather_ps::<4>(
                                _mm512_add_epi32(offset, rows[group]),
                                columns_at,
                            )
                        };
                        let threshold = if level == 0 {
                            _mm512_set1_ps(*level_thresholds)
                        } else if level <= PERMUTED_LEVELS {
                            lookup(at, level_thresholds, 1 << level)
                        } else {
                            _mm512_i32gather_ps::<4>(at, level_thresholds)
                        };
                        let goes_right = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(value, threshold);
                        let doubled = _mm512_add_epi32(at, at);
                        position[group] = _mm512_mask_add_epi32(
                            doubled,
                            goes_right,
                            doubled,
                            _mm512_set1_epi32(1),
                        );
                    }
                }
                for group in 0..GROUPS {
                    let lengths = _mm512_i32gather_ps::<4>(position[group], leaves);
                    let totals = &mut total_path[first_row + group * LANES..][..LANES];
                    let low = _mm512_cvtps_pd(_mm512_castps512_ps256(lengths));
                    let high = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(
                        _mm512_castps_pd(lengths),
                    )));
                    _mm512_storeu_pd(
                        totals.as_mut_ptr(),
                        _mm512_add_pd(_mm512_loadu_pd(totals.as_ptr()), low),
                    );
                    _mm512_storeu_pd(
                        totals.as_mut_ptr().add(8),
                        _mm512_add_pd(_mm512_loadu_pd(totals.as_ptr().add(8)), high),
                    );
                }
            }
        }
    }
}

/// Levels (0 to 2) whose rows' values are loaded node by node and blended rather than gathered.
#[cfg(target_arch = "x86_64")]
const LOADED_LEVELS: usize = 2;

/// Levels whose nodes are picked by permutes (up to 128 nodes, eight registers) rather than
/// gathered.
#[cfg(target_arch = "x86_64")]
const PERMUTED_LEVELS: usize = 7;

/// Each lane's entry `at` of the `entries`-long table (16, 32, 64 or 128 of them, read 16 at a
/// time; `at < entries`). Offsets go through it too, as the bits of an `f32`.
///
/// # Safety
/// AVX-512F must be available and `table` readable for `max(entries, 16)` values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn lookup(
    at: std::arch::x86_64::__m512i,
    table: *const f32,
    entries: usize,
) -> std::arch::x86_64::__m512 {
    use std::arch::x86_64::*;
    if entries <= 16 {
        return _mm512_permutexvar_ps(at, _mm512_loadu_ps(table));
    }
    // A two-source permute covers 32 entries (bit 4 of `at` picks the source); bits 5 and 6 then
    // pick among the pairs.
    let pair = |index: usize| {
        _mm512_permutex2var_ps(
            _mm512_loadu_ps(table.add(32 * index)),
            at,
            _mm512_loadu_ps(table.add(32 * index + 16)),
        )
    };
    if entries == 32 {
        return pair(0);
    }
    let bit_5 = _mm512_test_epi32_mask(at, _mm512_set1_epi32(32));
    let low = _mm512_mask_blend_ps(bit_5, pair(0), pair(1));
    if entries == 64 {
        return low;
    }
    let high = _mm512_mask_blend_ps(bit_5, pair(2), pair(3));
    _mm512_mask_blend_ps(_mm512_test_epi32_mask(at, _mm512_set1_epi32(64)), low, high)
}
