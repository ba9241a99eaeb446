//! Exact k-nearest-neighbour search (Euclidean) over a fixed set of points, for Local Outlier
//! Factor. A KD-tree with a run-time number of dimensions: the models learn their feature count
//! from data, which rules out `kiddo` (its dimension count is a compile-time constant).
//!
//! The tree splits the widest dimension near its median until a node holds at most [`LEAF_SIZE`]
//! points. A query descends to the nearer child first and visits the farther one only when the
//! distance from the query to that child's half-space cell (kept incrementally, Arya & Mount) can
//! beat the k-th best distance found so far; a leaf is scanned only if its tight bounding box can.
//!
//! Leaf scans: each leaf's points are stored in chunks of [`LANES`], transposed (`n_dims` runs of
//! 16 values), so a scan computes 16 distances at once: with explicit AVX-512 where the CPU has
//! it (LLVM vectorises the portable loop only 256 bits wide), with a fixed-width loop otherwise.
//! Splits fall on a multiple of 16 points, so only the last leaf has a partial chunk. History, on
//! 100,000 × 11 standardised points, 10,000 queries, k = 20, one core: row-major leaves 0.41–0.62
//! s, transposed leaves 0.27–0.31 s, 16-point chunks 0.20 s (CPU time; fit, 100,000 self-queries:
//! 3.6–4.5 s → 2.6–2.8 s → 1.8–2.1 s); one global dimension-major array was slower than any
//! (0.60 s: a scan touched a page per dimension).
//!
//! With many dimensions a KD-tree prunes little and costs more than it saves; past 15 the tree
//! answers by scanning every leaf (`brute_force`), starting with the query's own, as scikit-learn
//! switches to brute force past 15 features (on the 17-feature sessions data: 0.035–0.041 s
//! against 0.045–0.058 s through the tree, 3,790 queries; measured with `bench_anomaly lof` and
//! this choice forced each way, alternated, on 2026-12-07).

/// Points per leaf. 16 and 64 were within 5% of 32 on 100,000 × 11 standardised points.
const LEAF_SIZE: usize = 32;
/// Points per scanned chunk: the width of the distance loop.
const LANES: usize = 16;

/// One neighbour of a query: its position in tree order and its squared distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Neighbour {
    pub(crate) position: u32,
    pub(crate) squared_distance: f32,
}

#[derive(Debug, Clone, Copy)]
enum KdNode {
    /// Points at tree positions `start..end`; `leaf` numbers its box in `leaf_bounds`; its chunks
    /// start at chunk `chunk` of `leaf_chunks`.
    Leaf {
        start: u32,
        end: u32,
        leaf: u32,
        chunk: u32,
    },
    Split {
        dimension: u32,
        value: f32,
        left: u32,
        right: u32,
    },
}

/// A KD-tree owning its points, stored in tree order.
#[derive(Debug, Clone)]
pub(crate) struct KdTree {
    n_dims: usize,
    /// Row-major, tree order.
    points: Vec<f32>,
    /// The same values leaf by leaf in chunks of [`LANES`] points, each chunk `n_dims` runs of
    /// [`LANES`] values (one per dimension); a leaf's last chunk is padded with zeros, which a
    /// scan never offers.
    leaf_chunks: Vec<f32>,
    /// Per leaf, in leaf-number order: `n_dims` minima then `n_dims` maxima of its points. The
    /// split planes bound a leaf loosely; its own box is tighter and often rules it out unscanned.
    leaf_bounds: Vec<f32>,
    nodes: Vec<KdNode>,
    /// Scan every leaf instead of descending: chosen at build time for many dimensions.
    brute_force: bool,
}

/// Above this many dimensions the tree is scanned whole ([`KdTree::brute_force`]).
const MAX_TREE_DIMS: usize = 15;

/// Scratch space of one query, reused across queries of a thread.
#[derive(Debug, Default)]
pub(crate) struct SearchScratch {
    offsets: Vec<f32>,
    best: Vec<Neighbour>,
}

impl KdTree {
    /// Builds the tree over `points` (row-major, `n_dims` per point, `n_dims > 0`). Returns the tree
    /// and `order`: tree position `i` holds input point `order[i]`.
    pub(crate) fn build(points: &[f32], n_dims: usize) -> (Self, Vec<u32>) {
        let n_points = points.len() / n_dims;
        let mut order: Vec<u32> = (0..n_points as u32).collect();
        let mut nodes = Vec::with_capacity(2 * n_points / LEAF_SIZE + 1);
        build_node(points, n_dims, &mut order, 0, &mut nodes);
        let mut ordered = Vec::with_capacity(points.len());
        for &index in &order {
            let start = index as usize * n_dims;
            ordered.extend_from_slice(&points[start..start + n_dims]);
        }
        let mut leaf_chunks = Vec::new();
        let mut leaf_bounds = Vec::new();
        for node in &mut nodes {
            if let KdNode::Leaf {
                start,
                end,
                leaf,
                chunk,
            } = node
            {
                *leaf = (leaf_bounds.len() / (2 * n_dims)) as u32;
                *chunk = (leaf_chunks.len() / (n_dims * LANES)) as u32;
                let (start, end) = (*start as usize, *end as usize);
                let leaf_points = &ordered[start * n_dims..end * n_dims];
                for dimension in 0..n_dims {
                    let values = leaf_points.iter().skip(dimension).step_by(n_dims);
                    leaf_bounds.push(values.fold(f32::INFINITY, |min, &v| min.min(v)));
                }
                for dimension in 0..n_dims {
                    let values = leaf_points.iter().skip(dimension).step_by(n_dims);
                    leaf_bounds.push(values.fold(f32::NEG_INFINITY, |max, &v| max.max(v)));
                }
                for chunk_points in leaf_points.chunks(n_dims * LANES) {
                    let first = leaf_chunks.len();
                    leaf_chunks.resize(first + n_dims * LANES, 0.0);
                    for (lane, point) in chunk_points.chunks_exact(n_dims).enumerate() {
                        for (dimension, &value) in point.iter().enumerate() {
                            leaf_chunks[first + dimension * LANES + lane] = value;
                        }
                    }
                }
            }
        }
        let tree = Self {
            n_dims,
            points: ordered,
            leaf_chunks,
            leaf_bounds,
            nodes,
            brute_force: n_dims > MAX_TREE_DIMS,
        };
        (tree, order)
    }

    /// Number of points.
    pub(crate) fn len(&self) -> usize {
        self.points.len() / self.n_dims
    }

    /// The points in tree order, row-major.
    pub(crate) fn points(&self) -> &[f32] {
        &self.points
    }

    /// The `k` nearest points to `query` (length `n_dims`), nearest first. Fewer when the tree has
    /// fewer than `k` points. The result lives in `scratch` until its next use.
    pub(crate) fn nearest<'s>(
        &self,
        query: &[f32],
        k: usize,
        scratch: &'s mut SearchScratch,
    ) -> &'s [Neighbour] {
        scratch.best.clear();
        scratch.offsets.clear();
        scratch.offsets.resize(self.n_dims, 0.0);
        if k == 0 {
            return &scratch.best;
        }
        if self.brute_force {
            // The query's own leaf first: its points are likely near, so the bound is tight from
            // the start and few of the rest are offered.
            let mut own = 0;
            while let KdNode::Split {
                dimension,
                value,
                left,
                right,
            } = self.nodes[own]
            {
                own = if query[dimension as usize] <= value {
                    left
                } else {
                    right
                } as usize;
            }
            let leaves = std::iter::once(own).chain((0..self.nodes.len()).filter(|&n| n != own));
            for node in leaves {
                if let KdNode::Leaf {
                    start, end, chunk, ..
                } = self.nodes[node]
                {
                    self.scan_leaf(start, end, chunk, query, k, &mut scratch.best);
                }
            }
        } else if !self.nodes.is_empty() {
            self.search(0, query, 0.0, k, scratch);
        }
        &scratch.best
    }

    fn search(
        &self,
        node: usize,
        query: &[f32],
        box_distance: f32,
        k: usize,
        scratch: &mut SearchScratch,
    ) {
        match self.nodes[node] {
            KdNode::Leaf {
                start,
                end,
                leaf,
                chunk,
            } => {
                if scratch.best.len() == k {
                    let bounds = &self.leaf_bounds[leaf as usize * 2 * self.n_dims..];
                    let (minima, maxima) = bounds.split_at(self.n_dims);
                    let box_distance: f32 = query
                        .iter()
                        .zip(minima.iter().zip(maxima))
                        .map(|(&q, (&min, &max))| {
                            let outside = (min - q).max(q - max).max(0.0);
                            outside * outside
                        })
                        .sum();
                    if box_distance >= worst(&scratch.best) {
                        return;
                    }
                }
                self.scan_leaf(start, end, chunk, query, k, &mut scratch.best);
            }
            KdNode::Split {
                dimension,
                value,
                left,
                right,
            } => {
                let dimension = dimension as usize;
                let gap = query[dimension] - value;
                let (near, far) = if gap <= 0.0 {
                    (left, right)
                } else {
                    (right, left)
                };
                self.search(near as usize, query, box_distance, k, scratch);
                let old_offset = scratch.offsets[dimension];
                let far_distance = box_distance - old_offset * old_offset + gap * gap;
                if scratch.best.len() < k || far_distance < worst(&scratch.best) {
                    scratch.offsets[dimension] = gap;
                    self.search(far as usize, query, far_distance, k, scratch);
                    scratch.offsets[dimension] = old_offset;
                }
            }
        }
    }

    /// Offers every point of the leaf at tree positions `start..end` (chunks from `chunk`) to
    /// `best`.
    fn scan_leaf(
        &self,
        start: u32,
        end: u32,
        chunk: u32,
        query: &[f32],
        k: usize,
        best: &mut Vec<Neighbour>,
    ) {
        let (start, size) = (start as usize, (end - start) as usize);
        let chunk_len = self.n_dims * LANES;
        let first = chunk as usize * chunk_len;
        let chunks = &self.leaf_chunks[first..first + size.div_ceil(LANES) * chunk_len];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU has AVX-512F, checked just above.
                unsafe { scan_chunks_avx512(chunks, start, size, query, k, best) };
                return;
            }
        }
        scan_chunks(chunks, start, size, query, k, best);
    }
}

/// [`scan_chunks`] with the distances of each chunk computed by [`chunk_distances_avx512`].
///
/// # Safety
/// AVX-512F must be available.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn scan_chunks_avx512(
    chunks: &[f32],
    start: usize,
    size: usize,
    query: &[f32],
    k: usize,
    best: &mut Vec<Neighbour>,
) {
    // SAFETY: AVX-512F is available (this function's contract).
    scan_chunks_with(chunks, start, size, query, k, best, |chunk, query| unsafe {
        chunk_distances_avx512(chunk, query)
    });
}

/// Offers the `size` points stored in `chunks` (tree positions from `start`) to `best`.
fn scan_chunks(
    chunks: &[f32],
    start: usize,
    size: usize,
    query: &[f32],
    k: usize,
    best: &mut Vec<Neighbour>,
) {
    scan_chunks_with(chunks, start, size, query, k, best, chunk_distances);
}

/// The scan both [`scan_chunks`] and [`scan_chunks_avx512`] run, inlined into each so that
/// `distances` compiles for its instruction set: per chunk, the 16 squared distances, then an
/// offer of each lane nearer than the k-th neighbour (every lane while `best` fills), padding
/// past the leaf's `size` left out.
#[inline(always)]
fn scan_chunks_with(
    chunks: &[f32],
    start: usize,
    size: usize,
    query: &[f32],
    k: usize,
    best: &mut Vec<Neighbour>,
    distances: impl Fn(&[f32], &[f32]) -> [f32; LANES],
) {
    for (index, chunk) in chunks.chunks_exact(query.len() * LANES).enumerate() {
        let distances = distances(chunk, query);
        let nearer = if best.len() < k {
            u32::MAX
        } else {
            let bound = worst(best);
            (0..LANES).fold(0u32, |mask, lane| {
                mask | u32::from(distances[lane] < bound) << lane
            })
        };
        let real = (size - index * LANES).min(LANES);
        let mut nearer = nearer & ((1u32 << real) - 1);
        while nearer != 0 {
            let lane = nearer.trailing_zeros() as usize;
            nearer &= nearer - 1;
            let squared_distance = distances[lane];
            if best.len() < k || squared_distance < worst(best) {
                offer(
                    best,
                    k,
                    Neighbour {
                        position: (start + index * LANES + lane) as u32,
                        squared_distance,
                    },
                );
            }
        }
    }
}

/// The squared distances from `query` to the 16 points of `chunk` (`query.len()` runs of 16).
#[inline(always)]
fn chunk_distances(chunk: &[f32], query: &[f32]) -> [f32; LANES] {
    let mut distances = [0.0f32; LANES];
    for (column, &q) in chunk.chunks_exact(LANES).zip(query) {
        // A fixed-size array, so the lane loop becomes a few vector operations.
        let column: &[f32; LANES] = column.try_into().expect("chunks of LANES");
        for lane in 0..LANES {
            let difference = column[lane] - q;
            distances[lane] += difference * difference;
        }
    }
    distances
}

/// [`chunk_distances`] in one AVX-512 register (LLVM vectorises the portable loop only 256 bits
/// wide, and interleaves it oddly): the same operations in the same order, so the same distances.
///
/// # Safety
/// AVX-512F must be available.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn chunk_distances_avx512(chunk: &[f32], query: &[f32]) -> [f32; LANES] {
    use std::arch::x86_64::*;
    let mut sum = _mm512_setzero_ps();
    for (column, &q) in chunk.chunks_exact(LANES).zip(query) {
        // SAFETY: `column` holds exactly LANES = 16 values.
        let values = unsafe { _mm512_loadu_ps(column.as_ptr()) };
        let difference = _mm512_sub_ps(values, _mm512_set1_ps(q));
        sum = _mm512_add_ps(sum, _mm512_mul_ps(difference, difference));
    }
    let mut distances = [0.0f32; LANES];
    // SAFETY: `distances` holds 16 values.
    unsafe { _mm512_storeu_ps(distances.as_mut_ptr(), sum) };
    distances
}

fn worst(best: &[Neighbour]) -> f32 {
    best.last().map_or(f32::INFINITY, |n| n.squared_distance)
}

/// Inserts `candidate` into the sorted list `best` of at most `k` neighbours if it is nearer than
/// the current k-th.
fn offer(best: &mut Vec<Neighbour>, k: usize, candidate: Neighbour) {
    if best.len() == k {
        if candidate.squared_distance >= worst(best) {
            return;
        }
        best.pop();
    }
    let at = best.partition_point(|n| n.squared_distance <= candidate.squared_distance);
    best.insert(at, candidate);
}

#[cfg(test)]
fn squared_distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let difference = x - y;
            difference * difference
        })
        .sum()
}

/// Builds the subtree over `order` (a range of input point indices), appending its nodes; returns
/// the index of its root. `first` is the tree position of `order[0]`.
fn build_node(
    points: &[f32],
    n_dims: usize,
    order: &mut [u32],
    first: usize,
    nodes: &mut Vec<KdNode>,
) -> u32 {
    let slot = nodes.len() as u32;
    let coordinate = |index: u32, dimension: usize| points[index as usize * n_dims + dimension];
    let leaf = KdNode::Leaf {
        start: first as u32,
        end: (first + order.len()) as u32,
        leaf: 0,
        chunk: 0,
    };
    if order.len() <= LEAF_SIZE {
        nodes.push(leaf);
        return slot;
    }
    let mut widest = (0, 0.0f32);
    for dimension in 0..n_dims {
        let (mut min, mut max) = (f32::INFINITY, f32::NEG_INFINITY);
        for &index in order.iter() {
            let value = coordinate(index, dimension);
            min = min.min(value);
            max = max.max(value);
        }
        if max - min > widest.1 {
            widest = (dimension, max - min);
        }
    }
    if widest.1 <= 0.0 {
        // All points identical: nothing to split on.
        nodes.push(leaf);
        return slot;
    }
    let dimension = widest.0;
    // The multiple of LANES nearest the median, so that every leaf but the last fills whole
    // chunks.
    let middle = (order.len() / 2 + LANES / 2) / LANES * LANES;
    order.select_nth_unstable_by(middle, |&a, &b| {
        coordinate(a, dimension).total_cmp(&coordinate(b, dimension))
    });
    let value = coordinate(order[middle], dimension);
    nodes.push(leaf); // placeholder, replaced once the children are known
    let (lower, upper) = order.split_at_mut(middle);
    let left = build_node(points, n_dims, lower, first, nodes);
    let right = build_node(points, n_dims, upper, first + middle, nodes);
    nodes[slot as usize] = KdNode::Split {
        dimension: dimension as u32,
        value,
        left,
        right,
    };
    slot
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The `k` smallest squared distances from `query` to `points`, by sorting them all.
    fn exhaustive(points: &[f32], n_dims: usize, query: &[f32], k: usize) -> Vec<f32> {
        let mut all: Vec<f32> = points
            .chunks_exact(n_dims)
            .map(|p| squared_distance(p, query))
            .collect();
        all.sort_by(f32::total_cmp);
        all.truncate(k);
        all
    }

    #[test]
    fn nearest_matches_an_exhaustive_search_in_tree_and_scan_modes() {
        // 5 dimensions search the tree; 17 scan every leaf. 2,003 points leave a partial chunk.
        for n_dims in [5, 17] {
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            let points: Vec<f32> = (0..2003 * n_dims)
                .map(|_| rng.gen_range(-3.0..3.0))
                .collect();
            let (tree, order) = KdTree::build(&points, n_dims);
            assert_eq!(tree.brute_force, n_dims > MAX_TREE_DIMS);
            assert_eq!(tree.len(), 2003);
            let mut scratch = SearchScratch::default();
            for _ in 0..50 {
                let query: Vec<f32> = (0..n_dims).map(|_| rng.gen_range(-4.0..4.0)).collect();
                let found: Vec<f32> = tree
                    .nearest(&query, 10, &mut scratch)
                    .iter()
                    .map(|n| n.squared_distance)
                    .collect();
                assert_eq!(found, exhaustive(&points, n_dims, &query, 10));
                // Positions name the points whose distances they report.
                for neighbour in tree.nearest(&query, 10, &mut scratch) {
                    let at = neighbour.position as usize * n_dims;
                    let point = &tree.points()[at..at + n_dims];
                    assert_eq!(squared_distance(point, &query), neighbour.squared_distance);
                }
            }
            // Tree order is a permutation of the input.
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..2003).collect::<Vec<u32>>());
            let first = order[0] as usize * n_dims;
            assert_eq!(&tree.points()[..n_dims], &points[first..first + n_dims]);
        }
    }

    #[test]
    fn every_leaf_but_the_last_fills_whole_chunks() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let points: Vec<f32> = (0..1000 * 4).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let (tree, _) = KdTree::build(&points, 4);
        let sizes: Vec<u32> = tree
            .nodes
            .iter()
            .filter_map(|node| match *node {
                KdNode::Leaf { start, end, .. } => Some((start, end)),
                KdNode::Split { .. } => None,
            })
            .map(|(start, end)| {
                assert!(end > start && end - start <= LEAF_SIZE as u32);
                (start, end)
            })
            .filter(|(_, end)| *end != 1000)
            .map(|(start, end)| end - start)
            .collect();
        assert!(!sizes.is_empty());
        assert!(
            sizes.iter().all(|size| size % LANES as u32 == 0),
            "{sizes:?}"
        );
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx512_scan_finds_what_the_portable_one_does() {
        if !std::arch::is_x86_feature_detected!("avx512f") {
            eprintln!("no AVX-512 on this CPU: only the portable scan runs here");
            return;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let n_dims = 7;
        let points: Vec<f32> = (0..300 * n_dims)
            .map(|_| rng.gen_range(-2.0..2.0))
            .collect();
        let (tree, _) = KdTree::build(&points, n_dims);
        for k in [1, 5, 40] {
            let query: Vec<f32> = (0..n_dims).map(|_| rng.gen_range(-2.0..2.0)).collect();
            let (mut portable, mut wide) = (Vec::new(), Vec::new());
            // The whole tree as one run of chunks: its leaves are stored back to back.
            let size = tree.len();
            scan_chunks(&tree.leaf_chunks, 0, size, &query, k, &mut portable);
            // SAFETY: AVX-512F checked above; `leaf_chunks` holds whole chunks.
            unsafe { scan_chunks_avx512(&tree.leaf_chunks, 0, size, &query, k, &mut wide) };
            assert_eq!(portable, wide, "k = {k}");
            assert_eq!(portable.len(), k);
        }
    }

    #[test]
    fn identical_points_build_a_single_leaf_and_still_answer() {
        let points = vec![1.0f32; 3 * 100];
        let (tree, _) = KdTree::build(&points, 3);
        let mut scratch = SearchScratch::default();
        let found = tree.nearest(&[1.0, 1.0, 2.0], 4, &mut scratch);
        assert_eq!(found.len(), 4);
        assert!(found.iter().all(|n| n.squared_distance == 1.0));
    }
}
