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
//! it (LLVM vectorises the portable loop only 256 bits wide), with the portable fixed-width loop
//! otherwise (see the instruction sets below).
//! Splits fall on a multiple of 16 points, so only the last leaf has a partial chunk. History, on
//! 100,000 × 11 standardised points, 10,000 queries, k = 20, one core: row-major leaves 0.41–0.62
//! s, transposed leaves 0.27–0.31 s, 16-point chunks 0.20 s (CPU time; fit, 100,000 self-queries:
//! 3.6–4.5 s → 2.6–2.8 s → 1.8–2.1 s); one global dimension-major array was slower than any
//! (0.60 s: a scan touched a page per dimension).
//!
//! With many dimensions a KD-tree prunes little and costs more than it saves (on the 17-feature
//! sessions data a query visited 92 of the 119 leaves): past 15, as scikit-learn switches to
//! brute force past 15 features, no tree is built and every point is scanned (`brute_force`),
//! a block of queries at a time in two passes: cheap estimates, then exact distances for the few
//! points that can be among the nearest ([`KdTree::scan_block`]). Sessions data, 3,790 queries,
//! k = 20, one core, `bench_anomaly lof --repeat 5`: scanning leaf by leaf with offers 0.035–0.041
//! s; two passes with exact distances, one query at a time 0.015–0.017 s; a block of four 0.010
//! s; estimates 0.009–0.010 s, a block of eight 0.008 s; candidates packed by vector compress,
//! ranked by integer keys, no tree built: 0.0054–0.0067 s. The same neighbours and scores
//! throughout (the output files compared byte for byte). Then columns of two values (one-hot
//! categories) are read once per group of points instead of once per point ([`ScanLayout`]).
//!
//! Instruction sets ([`Isa`]): the explicit AVX-512 loops where the CPU has them, else the
//! portable loops compiled with AVX2 where it has that, else as compiled for the target;
//! `GOSHAWK_MAX_ISA=avx2|baseline` caps the choice. With the AVX-512 detection disabled on this
//! machine (same data, one core): sessions scoring, the old
//! portable scan 0.076–0.081 s, the portable two passes 0.044–0.056 s, with AVX2 0.035–0.052 s;
//! 100k × 11 fit 2.75–3.20 s, with AVX2 1.82–2.13 s, scoring 0.28–0.34 → 0.18–0.23 s.

/// Points per leaf. Since offers insert by shifting (below), 64 beats 32 (LOF, 100,000 training
/// points, 10,000 scored, one core, alternated): 11 features, fit 1.70-1.76 → 1.33-1.35 s,
/// scoring 0.18-0.20 → 0.140-0.147 s; 6 features 0.62-0.72 → 0.58 s and 0.064-0.076 → 0.053-0.057
/// s; 3 features 0.19-0.22 → 0.19-0.20 s. 128 and 256 were no better on 11 features, worse on 3;
/// 16 was worse everywhere. Earlier, with binary-search offers, 16 and 64 were within 5% of 32.
const LEAF_SIZE: usize = 64;
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
    /// Points at tree positions `start..end`; `leaf` numbers its box in `leaf_bounds`. Its chunks
    /// start at chunk `start / LANES` of `leaf_chunks`.
    Leaf { start: u32, end: u32, leaf: u32 },
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
    /// The points as the two-pass scan reads them, when `brute_force`.
    scan: Option<Box<ScanLayout>>,
    /// The largest norm of a point, for the rounding margin of [`KdTree::scan_block`].
    max_norm: f64,
    /// Per leaf, in leaf-number order: `n_dims` minima then `n_dims` maxima of its points. The
    /// split planes bound a leaf loosely; its own box is tighter and often rules it out unscanned.
    leaf_bounds: Vec<f32>,
    nodes: Vec<KdNode>,
    /// Scan every leaf instead of descending: chosen at build time for many dimensions.
    brute_force: bool,
}

/// Above this many dimensions the tree is scanned whole ([`KdTree::brute_force`]).
const MAX_TREE_DIMS: usize = 15;

/// The points as the first pass of [`KdTree::scan_block`] reads them. Columns with at most two
/// values (one-hot encoded categories, flags: 11 of the 17 features of the sessions data) split
/// the points into groups whose points share those values; a group's share of `q.x` over them
/// is one number per query, added once per chunk, so the first pass multiplies only the
/// dimensions that vary within a group. Sessions data: 9 constant dimensions, 52 groups, 9
/// operations a point instead of 17 (figures at [`plan_groups`]). Grouping reorders the points
/// (tree order), so ties at equal distances may resolve to other points than in input order.
/// Without such columns there is one group and no constant dimension.
#[derive(Debug, Clone)]
struct ScanLayout {
    /// The dimensions whose values vary within a group, in order.
    varying: Vec<usize>,
    /// The dimensions constant within each group.
    constant: Vec<usize>,
    /// Per group, its points' values of the `constant` dimensions.
    group_values: Vec<f32>,
    /// Each group's points in tree order, in chunks of [`LANES`] of `varying.len()` runs of
    /// [`LANES`] values; a group's last chunk is padded with zeros.
    chunks: Vec<f32>,
    /// Per chunk of `chunks`, its group.
    chunk_groups: Vec<u32>,
    /// Per slot of `chunks`, the point's squared norm (all dimensions); +inf for padding, so
    /// that padding is estimated at +inf.
    norms: Vec<f32>,
    /// Per slot of `chunks`, the point's tree position; `u32::MAX` for padding.
    positions: Vec<u32>,
}

/// A group of [`ScanLayout`] pads its last chunk; groups of at least this many points on
/// average keep the padding under a quarter.
const MIN_GROUP_POINTS: usize = 64;

/// The dimensions with at most two distinct values (bit for bit), taken in order while the
/// groups of points sharing their values stay at [`MIN_GROUP_POINTS`] on average, and each
/// point's group, numbered in order of first appearance; none when that saves no work (the
/// padding costs more than the dimensions saved). At least one dimension stays varying.
/// Sessions data (17 features, 3,790 points): 9 constant dimensions (the next ones would split
/// it into more groups than allowed), 52 groups, 4,224 slots. `bench_anomaly lof --repeat 30`,
/// one core, best of 30, old and new alternated four times: fit 6.5-8.8 → 5.8-6.4 ms, scoring
/// 5.8-7.7 → 5.3-5.4 ms; CPU samples of 200 fits and scorings 19.4k → 15.8k. The same scores.
fn plan_groups(points: &[f32], n_dims: usize) -> (Vec<usize>, Vec<u32>) {
    let n_points = points.len() / n_dims;
    let max_groups = (n_points / MIN_GROUP_POINTS).max(1);
    let mut constant = Vec::new();
    let mut group_of = vec![0u32; n_points];
    let mut n_groups = 1;
    for dimension in 0..n_dims {
        if constant.len() + 1 == n_dims {
            break;
        }
        let column = || {
            points
                .iter()
                .skip(dimension)
                .step_by(n_dims)
                .map(|v| v.to_bits())
        };
        let Some(first) = column().next() else {
            break;
        };
        let second = column().find(|&bits| bits != first);
        if !column().all(|bits| bits == first || Some(bits) == second) {
            continue;
        }
        // The new group of (old group, which value), numbered as they first appear.
        let mut numbers = vec![u32::MAX; 2 * n_groups];
        let mut next = 0;
        let split: Vec<u32> = group_of
            .iter()
            .zip(column())
            .map(|(&group, bits)| {
                let number = &mut numbers[2 * group as usize + usize::from(bits == first)];
                if *number == u32::MAX {
                    *number = next;
                    next += 1;
                }
                *number
            })
            .collect();
        if next as usize <= max_groups {
            group_of = split;
            n_groups = next as usize;
            constant.push(dimension);
        }
    }
    let mut sizes = vec![0usize; n_groups];
    for &group in &group_of {
        sizes[group as usize] += 1;
    }
    let slots: usize = sizes.iter().map(|size| size.div_ceil(LANES) * LANES).sum();
    let work = slots * (n_dims - constant.len() + 1);
    if work >= n_points.div_ceil(LANES) * LANES * n_dims {
        return (Vec::new(), vec![0; n_points]);
    }
    (constant, group_of)
}

impl ScanLayout {
    /// The layout of `ordered` (row-major, tree order; `norms` its points' squared norms), whose
    /// points' groups `groups` (tree order) come together, with the `constant` dimensions of
    /// [`plan_groups`].
    fn new(
        ordered: &[f32],
        norms: &[f32],
        n_dims: usize,
        constant: Vec<usize>,
        groups: &[u32],
    ) -> Self {
        let varying: Vec<usize> = (0..n_dims).filter(|d| !constant.contains(d)).collect();
        let chunk_len = varying.len() * LANES;
        let mut layout = ScanLayout {
            varying,
            constant,
            group_values: Vec::new(),
            chunks: Vec::new(),
            chunk_groups: Vec::new(),
            norms: Vec::new(),
            positions: Vec::new(),
        };
        let mut start = 0;
        let mut group = 0u32;
        while start < groups.len() {
            let end = start
                + groups[start..]
                    .iter()
                    .take_while(|&&g| g == groups[start])
                    .count();
            let first = &ordered[start * n_dims..(start + 1) * n_dims];
            layout
                .group_values
                .extend(layout.constant.iter().map(|&d| first[d]));
            let n_chunks = (end - start).div_ceil(LANES);
            let base = layout.chunks.len();
            layout.chunks.resize(base + n_chunks * chunk_len, 0.0);
            for (index, position) in (start..end).enumerate() {
                let point = &ordered[position * n_dims..(position + 1) * n_dims];
                let slot = base + index / LANES * chunk_len + index % LANES;
                for (run, &d) in layout.varying.iter().enumerate() {
                    layout.chunks[slot + run * LANES] = point[d];
                }
                layout.norms.push(norms[position]);
                layout.positions.push(position as u32);
            }
            let slots = layout.norms.len().div_ceil(LANES) * LANES;
            layout.norms.resize(slots, f32::INFINITY);
            layout.positions.resize(slots, u32::MAX);
            layout
                .chunk_groups
                .extend(std::iter::repeat_n(group, n_chunks));
            group += 1;
            start = end;
        }
        layout
    }

    fn n_groups(&self) -> usize {
        self.chunk_groups.last().map_or(0, |&g| g as usize + 1)
    }
}

/// Scratch space of one query, reused across queries of a thread.
#[derive(Debug, Default)]
pub(crate) struct SearchScratch {
    offsets: Vec<f32>,
    best: Vec<Neighbour>,
    /// Estimated squared distances (less the query's squared norm) to every point, one run per
    /// query of a block ([`KdTree::scan_block`]).
    estimates: Vec<f32>,
    /// A block of queries as `-2q`, the varying dimensions of [`ScanLayout`], dimension-major.
    block: Vec<f32>,
    /// Per group of [`ScanLayout`] and query of a block, `-2 q.x` over the constant dimensions.
    group_terms: Vec<f32>,
    /// Positions whose exact distance the second pass computes ([`SecondPass::keep`]).
    candidates: Vec<u32>,
    /// The candidates' distances and positions as sortable keys.
    ranked: Vec<u64>,
    /// The instruction set to scan with when below the best this CPU has (tests compare them);
    /// `None`: the best.
    isa: Option<Isa>,
    /// The one in use, chosen once per call of [`KdTree::for_each_nearest`].
    chosen: Isa,
}

/// The instruction sets the scans are compiled for, in order of capability.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
enum Isa {
    /// The portable loops as compiled for the baseline target (128-bit vectors on x86-64).
    #[default]
    Baseline,
    /// The portable loops compiled with AVX2: 256-bit vectors, and no fused multiply-add (Rust
    /// does not contract), so the same arithmetic.
    Avx2,
    /// The explicit AVX-512 loops (and POPCNT, which every AVX-512 CPU has).
    Avx512,
}

impl Isa {
    /// The best this CPU has.
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected;
            if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("popcnt") {
                return Self::Avx512;
            }
            if is_x86_feature_detected!("avx2") {
                return Self::Avx2;
            }
        }
        Self::Baseline
    }

    /// The highest allowed by `GOSHAWK_MAX_ISA` (`baseline`, `avx2`, `avx512`; unset or other:
    /// no cap), read once: benchmarks measure the loops other CPUs run on this one.
    fn cap() -> Self {
        static CAP: std::sync::OnceLock<Isa> = std::sync::OnceLock::new();
        *CAP.get_or_init(|| match std::env::var("GOSHAWK_MAX_ISA").as_deref() {
            Ok("baseline") => Self::Baseline,
            Ok("avx2") => Self::Avx2,
            _ => Self::Avx512,
        })
    }

    /// The one to scan with: the best this CPU has, at most [`Isa::cap`] and at most `forced`.
    fn choose(forced: Option<Self>) -> Self {
        let best = Self::detect().min(Self::cap());
        forced.map_or(best, |forced| forced.min(best))
    }
}

impl KdTree {
    /// Builds the tree over `points` (row-major, `n_dims` per point, `n_dims > 0`). Returns the tree
    /// and `order`: tree position `i` holds input point `order[i]`.
    pub(crate) fn build(points: &[f32], n_dims: usize) -> (Self, Vec<u32>) {
        let n_points = points.len() / n_dims;
        let mut order: Vec<u32> = (0..n_points as u32).collect();
        let mut nodes = Vec::with_capacity(2 * n_points / LEAF_SIZE + 1);
        let brute_force = n_dims > MAX_TREE_DIMS;
        let (constant, group_of) = if brute_force {
            plan_groups(points, n_dims)
        } else {
            (Vec::new(), Vec::new())
        };
        if brute_force {
            // Never descended: one leaf of every point, the points of a group together (input
            // order within a group).
            nodes.push(KdNode::Leaf {
                start: 0,
                end: n_points as u32,
                leaf: 0,
            });
            order.sort_by_key(|&index| group_of[index as usize]);
        } else {
            build_node(points, n_dims, &mut order, 0, &mut nodes);
        }
        let mut ordered = Vec::with_capacity(points.len());
        for &index in &order {
            let start = index as usize * n_dims;
            ordered.extend_from_slice(&points[start..start + n_dims]);
        }
        // Every leaf starts a chunk (all before the last fill whole chunks) and leaves lie in
        // position order, so the leaves' chunks are the chunks of all points in tree order.
        let chunk_len = n_dims * LANES;
        let mut leaf_chunks = vec![0.0; n_points.div_ceil(LANES) * chunk_len];
        for (position, point) in ordered.chunks_exact(n_dims).enumerate() {
            let first = position / LANES * chunk_len + position % LANES;
            for (slot, &value) in leaf_chunks[first..].iter_mut().step_by(LANES).zip(point) {
                *slot = value;
            }
        }
        // Boxes serve the descent only.
        let mut leaf_bounds = Vec::new();
        if !brute_force {
            for node in &mut nodes {
                if let KdNode::Leaf { start, end, leaf } = node {
                    *leaf = (leaf_bounds.len() / (2 * n_dims)) as u32;
                    let bounds = leaf_bounds.len();
                    leaf_bounds.resize(bounds + n_dims, f32::INFINITY);
                    leaf_bounds.resize(bounds + 2 * n_dims, f32::NEG_INFINITY);
                    let (minima, maxima) = leaf_bounds[bounds..].split_at_mut(n_dims);
                    let leaf_points = &ordered[*start as usize * n_dims..*end as usize * n_dims];
                    for point in leaf_points.chunks_exact(n_dims) {
                        for ((min, max), &value) in minima.iter_mut().zip(&mut *maxima).zip(point) {
                            *min = min.min(value);
                            *max = max.max(value);
                        }
                    }
                }
            }
        }
        let norms: Vec<f32> = ordered
            .chunks_exact(n_dims)
            .map(|point| point.iter().map(|&v| v * v).sum())
            .collect();
        let max_norm = norms
            .iter()
            .fold(0.0f64, |max, &norm| max.max(f64::from(norm).sqrt()));
        let scan = brute_force.then(|| {
            let groups: Vec<u32> = order.iter().map(|&i| group_of[i as usize]).collect();
            Box::new(ScanLayout::new(&ordered, &norms, n_dims, constant, &groups))
        });
        let tree = Self {
            n_dims,
            points: ordered,
            leaf_chunks,
            scan,
            max_norm,
            leaf_bounds,
            nodes,
            brute_force,
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
    #[cfg(test)]
    pub(crate) fn nearest<'s>(
        &self,
        query: &[f32],
        k: usize,
        scratch: &'s mut SearchScratch,
    ) -> &'s [Neighbour] {
        self.for_each_nearest(query, k, scratch, |_, _| {});
        &scratch.best
    }

    /// The `k` nearest points to each of `queries` (row-major, `n_dims` per query), nearest first,
    /// ties by position; fewer when the tree has fewer than `k` points. `each` gets the query's
    /// index and its neighbours. Many queries at once let a whole scan serve a block of them
    /// ([`KdTree::scan_block`]).
    pub(crate) fn for_each_nearest(
        &self,
        queries: &[f32],
        k: usize,
        scratch: &mut SearchScratch,
        mut each: impl FnMut(usize, &[Neighbour]),
    ) {
        scratch.chosen = Isa::choose(scratch.isa);
        let levels = k.div_ceil(LANES);
        if self.brute_force && (1..=MAX_LEVELS).contains(&levels) {
            for (block_index, block) in queries.chunks(QUERY_BLOCK * self.n_dims).enumerate() {
                let first = block_index * QUERY_BLOCK;
                match levels {
                    1 => self.scan_block::<1>(block, k, scratch, first, &mut each),
                    2 => self.scan_block::<2>(block, k, scratch, first, &mut each),
                    3 => self.scan_block::<3>(block, k, scratch, first, &mut each),
                    _ => self.scan_block::<4>(block, k, scratch, first, &mut each),
                }
            }
            return;
        }
        for (index, query) in queries.chunks_exact(self.n_dims).enumerate() {
            scratch.best.clear();
            if k > 0 && self.brute_force {
                self.scan_run(0, self.len(), query, k, scratch);
            } else if k > 0 && !self.nodes.is_empty() {
                scratch.offsets.clear();
                scratch.offsets.resize(self.n_dims, 0.0);
                self.search(0, query, 0.0, k, scratch);
            }
            each(index, &scratch.best);
        }
    }

    /// The `k` nearest points of each query of `block` (at most [`QUERY_BLOCK`]; `first` is the
    /// first one's index for `each`) by scanning every point, in two passes.
    ///
    /// Offering each nearer point to a sorted list as it comes costs a binary search and a move
    /// per offer (about 110 offers per query on the sessions data took most of the time). So the
    /// first pass only estimates every squared distance less `|q|^2`, as `|x|^2 - 2 q.x` (one
    /// multiply-add per dimension, a column loaded once for the whole block), and keeps per lane
    /// the `LEVELS` smallest estimates: `16 * LEVELS >= k` distinct points, so their k-th smallest
    /// bounds the k nearest. The second pass ([`SecondPass::keep`]) computes the exact distance
    /// of the points estimated within that bound plus a rounding margin, about 26 per query on
    /// the sessions data (k = 20), and keeps the k nearest: exactly what offering every point
    /// would give.
    fn scan_block<const LEVELS: usize>(
        &self,
        block: &[f32],
        k: usize,
        scratch: &mut SearchScratch,
        first: usize,
        each: &mut impl FnMut(usize, &[Neighbour]),
    ) {
        let n_dims = self.n_dims;
        let n_queries = block.len() / n_dims;
        let layout = self
            .scan
            .as_ref()
            .expect("a brute-force tree has a scan layout");
        // -2q, dimension-major, padded to a whole block by repeating the last query.
        let query = |slot: usize| &block[slot.min(n_queries - 1) * n_dims..][..n_dims];
        scratch.block.clear();
        for &dimension in &layout.varying {
            scratch
                .block
                .extend((0..QUERY_BLOCK).map(|slot| -2.0 * query(slot)[dimension]));
        }
        // Dimension by dimension, the groups and queries inner: independent sums (summed group
        // by group, each was a chain of dependent additions, 15 % of the scan).
        scratch.group_terms.clear();
        scratch
            .group_terms
            .resize(layout.n_groups() * QUERY_BLOCK, 0.0);
        let n_constant = layout.constant.len();
        for (index, &dimension) in layout.constant.iter().enumerate() {
            let q: [f32; QUERY_BLOCK] = std::array::from_fn(|slot| -2.0 * query(slot)[dimension]);
            for (terms, values) in scratch
                .group_terms
                .chunks_exact_mut(QUERY_BLOCK)
                .zip(layout.group_values.chunks_exact(n_constant))
            {
                for (term, &q) in terms.iter_mut().zip(&q) {
                    *term += q * values[index];
                }
            }
        }
        match scratch.chosen {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU has AVX-512F and POPCNT (`Isa::choose`).
            Isa::Avx512 => unsafe {
                self.two_passes_avx512::<LEVELS>(block, k, scratch, first, each)
            },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU has AVX2 (`Isa::choose`).
            Isa::Avx2 => unsafe { self.two_passes_avx2::<LEVELS>(block, k, scratch, first, each) },
            _ => self.two_passes(
                block,
                k,
                scratch,
                first,
                each,
                first_pass_baseline::<LEVELS>,
                collect_within,
            ),
        }
    }

    /// The two passes of [`KdTree::scan_block`] over the queries `block`, whose `-2q` are in
    /// `scratch.block`, with its first pass and its collection of the points within the limit
    /// given; inlined into one function per instruction set.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn two_passes<const LEVELS: usize>(
        &self,
        block: &[f32],
        k: usize,
        scratch: &mut SearchScratch,
        first: usize,
        each: &mut impl FnMut(usize, &[Neighbour]),
        first_pass: impl FnOnce(FirstPassInput<'_>, &mut Vec<f32>) -> Smallest<LEVELS>,
        collect_within: impl Fn(&[f32], f32, &mut Vec<u32>),
    ) {
        let n_dims = self.n_dims;
        let n_queries = block.len() / n_dims;
        let layout = self
            .scan
            .as_ref()
            .expect("a brute-force tree has a scan layout");
        let estimates = &mut scratch.estimates;
        let smallest = first_pass(
            FirstPassInput {
                chunks: &layout.chunks,
                norms: &layout.norms,
                chunk_groups: &layout.chunk_groups,
                group_terms: &scratch.group_terms,
                queries: &scratch.block,
            },
            estimates,
        );
        let runs = estimates.chunks_exact(estimates.len() / QUERY_BLOCK);
        for (offset, (smallest, estimates)) in smallest.iter().zip(runs).take(n_queries).enumerate()
        {
            let query = &block[offset * n_dims..(offset + 1) * n_dims];
            let second_pass = SecondPass {
                points: &self.points,
                query,
                margin: self.rounding_margin(query),
                k,
                positions: &layout.positions,
            };
            second_pass.keep(
                smallest,
                estimates,
                &mut scratch.candidates,
                &mut scratch.ranked,
                &mut scratch.best,
                &collect_within,
            );
            each(first + offset, &scratch.best);
        }
    }

    /// [`KdTree::two_passes`] with the explicit AVX-512 first pass and collection.
    ///
    /// # Safety
    /// AVX-512F and POPCNT must be available.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,popcnt")]
    unsafe fn two_passes_avx512<const LEVELS: usize>(
        &self,
        block: &[f32],
        k: usize,
        scratch: &mut SearchScratch,
        first: usize,
        each: &mut impl FnMut(usize, &[Neighbour]),
    ) {
        // SAFETY (both closures): AVX-512F and POPCNT are available (this function's contract).
        self.two_passes(
            block,
            k,
            scratch,
            first,
            each,
            |input, estimates| unsafe { first_pass_avx512::<LEVELS>(input, estimates) },
            |estimates, limit, out| unsafe { collect_within_avx512(estimates, limit, out) },
        );
    }

    /// [`KdTree::two_passes`] with the portable loops compiled with AVX2.
    ///
    /// # Safety
    /// AVX2 must be available.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn two_passes_avx2<const LEVELS: usize>(
        &self,
        block: &[f32],
        k: usize,
        scratch: &mut SearchScratch,
        first: usize,
        each: &mut impl FnMut(usize, &[Neighbour]),
    ) {
        self.two_passes(
            block,
            k,
            scratch,
            first,
            each,
            // SAFETY: AVX2 is available (this function's contract).
            |input, estimates| unsafe { first_pass_avx2::<LEVELS>(input, estimates) },
            collect_within,
        );
    }

    /// How far above the first pass's bound an estimate of one of the k nearest can be, in
    /// [`KdTree::scan_block`]. An estimate and an exact squared distance are each sums of at most
    /// `n_dims + 3` rounded terms no larger than `(|x| + |q|)^2`, so each is off by at most
    /// `eps = (n_dims + 3) u (|x| + |q|)^2` (u = 2^-24, to first order); a point among the k
    /// nearest is estimated at most `2 eps + 2 eps` above the bound. Three times that, with the
    /// largest `|x|`.
    fn rounding_margin(&self, query: &[f32]) -> f32 {
        let query_norm = query
            .iter()
            .map(|&v| f64::from(v) * f64::from(v))
            .sum::<f64>()
            .sqrt();
        let reach = self.max_norm + query_norm;
        let eps = (self.n_dims + 3) as f64 * f64::from(f32::EPSILON) / 2.0 * reach * reach;
        (3.0 * 4.0 * eps) as f32
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
            KdNode::Leaf { start, end, leaf } => {
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
                self.scan_run(start as usize, end as usize, query, k, scratch);
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

    /// Offers the points at tree positions `start..end` to `best`. `start` must begin a chunk:
    /// a leaf's first point always does, since every leaf before it fills whole chunks.
    fn scan_run(
        &self,
        start: usize,
        end: usize,
        query: &[f32],
        k: usize,
        scratch: &mut SearchScratch,
    ) {
        debug_assert_eq!(start % LANES, 0);
        let size = end - start;
        let chunk_len = self.n_dims * LANES;
        let first = start / LANES * chunk_len;
        let chunks = &self.leaf_chunks[first..first + size.div_ceil(LANES) * chunk_len];
        let best = &mut scratch.best;
        match scratch.chosen {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU has AVX-512F (`Isa::choose`).
            Isa::Avx512 => unsafe { scan_chunks_avx512(chunks, start, size, query, k, best) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU has AVX2 (`Isa::choose`).
            Isa::Avx2 => unsafe { scan_chunks_avx2(chunks, start, size, query, k, best) },
            _ => scan_chunks_baseline(chunks, start, size, query, k, best),
        }
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

/// [`scan_chunks`] compiled on its own, as [`first_pass_baseline`] is (for the same reason; not
/// measured inlined on this path).
#[inline(never)]
fn scan_chunks_baseline(
    chunks: &[f32],
    start: usize,
    size: usize,
    query: &[f32],
    k: usize,
    best: &mut Vec<Neighbour>,
) {
    scan_chunks(chunks, start, size, query, k, best);
}

/// [`scan_chunks`] compiled with AVX2.
///
/// # Safety
/// AVX2 must be available.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn scan_chunks_avx2(
    chunks: &[f32],
    start: usize,
    size: usize,
    query: &[f32],
    k: usize,
    best: &mut Vec<Neighbour>,
) {
    scan_chunks(chunks, start, size, query, k, best);
}

/// Offers the `size` points stored in `chunks` (tree positions from `start`) to `best`.
#[inline(always)]
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

/// Queries served by one pass over the points in [`KdTree::scan_block`]: each 16-point column
/// is loaded once for all of them, and their sums are independent chains of multiply-adds (with
/// four, each waited on the latency of the last). Figures in the module documentation.
const QUERY_BLOCK: usize = 8;
/// At most this many per-lane smallest estimates are kept, so the two-pass scan serves k <= 64.
const MAX_LEVELS: usize = 4;
/// Per query of a block and per lane, the `LEVELS` smallest estimates of a first pass, sorted.
type Smallest<const LEVELS: usize> = [[[f32; LANES]; LEVELS]; QUERY_BLOCK];

/// What a first pass of [`KdTree::scan_block`] reads: a [`ScanLayout`]'s chunks, norms and
/// chunk groups, the block's `-2 q.x` over the constant dimensions per group and query
/// (`group_terms`), and its queries' `-2q` over the varying dimensions, dimension-major.
#[derive(Clone, Copy)]
struct FirstPassInput<'a> {
    chunks: &'a [f32],
    norms: &'a [f32],
    chunk_groups: &'a [u32],
    group_terms: &'a [f32],
    queries: &'a [f32],
}

/// Sizes `estimates` for a first pass (a run of one value per slot, padding included, per
/// query; every value is then written, so only the length matters) and returns the length of a
/// chunk of `chunks` and of a run.
fn size_estimates(input: &FirstPassInput<'_>, estimates: &mut Vec<f32>) -> (usize, usize) {
    let chunk_len = input.queries.len() / QUERY_BLOCK * LANES;
    let stride = input.chunk_groups.len() * LANES;
    estimates.resize(QUERY_BLOCK * stride, 0.0);
    (chunk_len, stride)
}

/// The first pass of [`KdTree::scan_block`] for the [`QUERY_BLOCK`] queries of `input`: every
/// estimate `|x|^2 - 2 q.x` (the squared distance less `|q|^2`: the group's term, then one
/// multiply-add per varying dimension) into `estimates`, one run per query, slot order, padding
/// at +inf (its norm) so that it is neither counted nor kept; and per query and lane the
/// `LEVELS` smallest, sorted.
#[inline(always)]
fn first_pass<const LEVELS: usize>(
    input: FirstPassInput<'_>,
    estimates: &mut Vec<f32>,
) -> Smallest<LEVELS> {
    let (chunk_len, stride) = size_estimates(&input, estimates);
    let mut smallest = [[[f32::INFINITY; LANES]; LEVELS]; QUERY_BLOCK];
    // `plan_groups` leaves at least one dimension varying, so chunks are not empty.
    for (index, ((chunk, norms), &group)) in input
        .chunks
        .chunks_exact(chunk_len)
        .zip(input.norms.chunks_exact(LANES))
        .zip(input.chunk_groups)
        .enumerate()
    {
        let norms: &[f32; LANES] = norms.try_into().expect("chunks of LANES");
        let terms = &input.group_terms[group as usize * QUERY_BLOCK..][..QUERY_BLOCK];
        let mut sums = [*norms; QUERY_BLOCK];
        for (sum, &term) in sums.iter_mut().zip(terms) {
            for value in sum.iter_mut() {
                *value += term;
            }
        }
        for (column, query) in chunk
            .chunks_exact(LANES)
            .zip(input.queries.chunks_exact(QUERY_BLOCK))
        {
            for (sum, &q) in sums.iter_mut().zip(query) {
                for lane in 0..LANES {
                    sum[lane] += column[lane] * q;
                }
            }
        }
        for (offset, (sum, smallest)) in sums.iter_mut().zip(&mut smallest).enumerate() {
            estimates[offset * stride + index * LANES..][..LANES].copy_from_slice(sum);
            // Insert each lane's estimate into that lane's sorted `LEVELS` smallest.
            for level in smallest.iter_mut() {
                for lane in 0..LANES {
                    if sum[lane] < level[lane] {
                        std::mem::swap(&mut sum[lane], &mut level[lane]);
                    }
                }
            }
        }
    }
    smallest
}

/// [`first_pass`] compiled on its own: inlined into the rest of a block's scan it compiled
/// twice as slow (sessions: 0.10 s against 0.05 s).
#[inline(never)]
fn first_pass_baseline<const LEVELS: usize>(
    input: FirstPassInput<'_>,
    estimates: &mut Vec<f32>,
) -> Smallest<LEVELS> {
    first_pass(input, estimates)
}

/// [`first_pass`] compiled with AVX2, on its own as [`first_pass_baseline`] is (inlined: 0.042-
/// 0.053 s against 0.037-0.039 s on the sessions data).
///
/// # Safety
/// AVX2 must be available.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline(never)]
unsafe fn first_pass_avx2<const LEVELS: usize>(
    input: FirstPassInput<'_>,
    estimates: &mut Vec<f32>,
) -> Smallest<LEVELS> {
    first_pass(input, estimates)
}

/// [`first_pass`] in AVX-512 registers, fused multiply-adds (LLVM compiled the portable one's
/// per-lane insertion into permutes and mask shifts). The estimates differ from the portable
/// ones in rounding only, which the margin covers.
///
/// # Safety
/// AVX-512F must be available.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn first_pass_avx512<const LEVELS: usize>(
    input: FirstPassInput<'_>,
    estimates: &mut Vec<f32>,
) -> Smallest<LEVELS> {
    use std::arch::x86_64::*;
    let (chunk_len, stride) = size_estimates(&input, estimates);
    let infinity = _mm512_set1_ps(f32::INFINITY);
    let mut levels = [[infinity; LEVELS]; QUERY_BLOCK];
    for (index, (norms, &group)) in input
        .norms
        .chunks_exact(LANES)
        .zip(input.chunk_groups)
        .enumerate()
    {
        let terms = &input.group_terms[group as usize * QUERY_BLOCK..][..QUERY_BLOCK];
        // SAFETY: `norms` holds exactly LANES = 16 values.
        let norms = unsafe { _mm512_loadu_ps(norms.as_ptr()) };
        let mut sums = [norms; QUERY_BLOCK];
        for (sum, &term) in sums.iter_mut().zip(terms) {
            *sum = _mm512_add_ps(*sum, _mm512_set1_ps(term));
        }
        let chunk = &input.chunks[index * chunk_len..][..chunk_len];
        for (column, query) in chunk
            .chunks_exact(LANES)
            .zip(input.queries.chunks_exact(QUERY_BLOCK))
        {
            // SAFETY: `column` holds exactly LANES = 16 values.
            let values = unsafe { _mm512_loadu_ps(column.as_ptr()) };
            for (sum, &q) in sums.iter_mut().zip(query) {
                *sum = _mm512_fmadd_ps(values, _mm512_set1_ps(q), *sum);
            }
        }
        for (offset, (&sum, levels)) in sums.iter().zip(&mut levels).enumerate() {
            let mut carry = sum;
            let out = &mut estimates[offset * stride + index * LANES..][..LANES];
            // SAFETY: `out` holds 16 values.
            unsafe { _mm512_storeu_ps(out.as_mut_ptr(), carry) };
            for level in levels.iter_mut() {
                let low = _mm512_min_ps(*level, carry);
                carry = _mm512_max_ps(*level, carry);
                *level = low;
            }
        }
    }
    let mut smallest = [[[0.0f32; LANES]; LEVELS]; QUERY_BLOCK];
    for (levels, smallest) in levels.iter().zip(&mut smallest) {
        for (level, values) in levels.iter().zip(smallest) {
            // SAFETY: `values` holds 16 values.
            unsafe { _mm512_storeu_ps(values.as_mut_ptr(), *level) };
        }
    }
    smallest
}

/// The second pass of [`KdTree::scan_block`] for one query.
struct SecondPass<'a> {
    /// The tree's points, row-major.
    points: &'a [f32],
    query: &'a [f32],
    /// [`KdTree::rounding_margin`] for `query`.
    margin: f32,
    k: usize,
    /// [`ScanLayout::positions`]: the tree position of each slot of the estimates.
    positions: &'a [u32],
}

impl SecondPass<'_> {
    /// The bound is the k-th smallest of the first pass's per-lane smallest estimates: `16 *
    /// LEVELS >= k` distinct points are that near, so no point of the k nearest is estimated
    /// above it by more than the margin. The points within bound + margin (`collect_within` lists
    /// them into `candidates`) get their exact squared distance (the operations of
    /// [`chunk_distances`], so the same values as any other search), sorted by it, ties by
    /// position, cut to `k`: exactly what offering every point would give.
    #[inline(always)]
    fn keep<const LEVELS: usize>(
        &self,
        smallest: &[[f32; LANES]; LEVELS],
        estimates: &[f32],
        candidates: &mut Vec<u32>,
        ranked: &mut Vec<u64>,
        best: &mut Vec<Neighbour>,
        collect_within: &impl Fn(&[f32], f32, &mut Vec<u32>),
    ) {
        // The k-th smallest through integer keys ordered as `f32::total_cmp` orders the values.
        let mut keys = smallest.map(|level| level.map(total_order_key));
        let keys = keys.as_flattened_mut();
        // Sorting 32 or 64 integers (a sorting network) costs less than selecting among them.
        keys.sort_unstable();
        let bound = from_total_order_key(keys[self.k - 1]);
        // Rounded up, and +inf when not finite: then every point is checked.
        let limit = (f64::from(bound) + f64::from(self.margin)) as f32;
        let limit = if limit.is_finite() {
            limit.next_up()
        } else {
            f32::INFINITY
        };
        collect_within(estimates, limit, candidates);
        let n_dims = self.query.len();
        // Squared distances are not negative, so their bits order as their values: a key is the
        // distance's bits then the position, and integer order is distance order, ties by position.
        let keys = ranked;
        keys.clear();
        // Padding (+inf) is within an infinite limit only, and has no position.
        for &slot in candidates.iter() {
            let position = self.positions[slot as usize];
            if position == u32::MAX {
                continue;
            }
            let at = position as usize * n_dims;
            let squared_distance = squared_distance(&self.points[at..at + n_dims], self.query);
            keys.push(u64::from(squared_distance.to_bits()) << 32 | u64::from(position));
        }
        keys.sort_unstable();
        best.clear();
        best.extend(keys.iter().take(self.k).map(|&key| Neighbour {
            position: key as u32,
            squared_distance: f32::from_bits((key >> 32) as u32),
        }));
    }
}

/// An integer that orders as `f32::total_cmp` orders `value`.
fn total_order_key(value: f32) -> i32 {
    let bits = value.to_bits() as i32;
    bits ^ (((bits >> 31) as u32) >> 1) as i32
}

/// The value of a [`total_order_key`].
fn from_total_order_key(key: i32) -> f32 {
    f32::from_bits((key ^ (((key >> 31) as u32) >> 1) as i32) as u32)
}

/// The slots of the `estimates` not above `limit` (NaN included: checked exactly), in order,
/// into `out`.
#[inline(always)]
fn collect_within(estimates: &[f32], limit: f32, out: &mut Vec<u32>) {
    out.clear();
    for (position, &estimate) in estimates.iter().enumerate() {
        if estimate.partial_cmp(&limit) != Some(std::cmp::Ordering::Greater) {
            out.push(position as u32);
        }
    }
}

/// [`collect_within`] 16 lanes at a time: a compare, and the chosen lanes' positions packed
/// into a register and stored whole (no branch per lane, and most chunks add nothing).
///
/// # Safety
/// AVX-512F and POPCNT must be available.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,popcnt")]
#[inline]
unsafe fn collect_within_avx512(estimates: &[f32], limit: f32, out: &mut Vec<u32>) {
    use std::arch::x86_64::*;
    out.clear();
    // Each store writes 16 lanes past the current length.
    out.reserve(estimates.len() + LANES);
    let limit = _mm512_set1_ps(limit);
    let mut positions = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    let step = _mm512_set1_epi32(LANES as i32);
    let mut len = 0;
    let start = out.as_mut_ptr();
    for chunk in estimates.chunks_exact(LANES) {
        // SAFETY: `chunk` holds 16 values; `start + len` has room for 16 more (reserved above,
        // and `len` grows by at most 16 per chunk).
        unsafe {
            let within = _mm512_cmp_ps_mask::<_CMP_NGT_UQ>(_mm512_loadu_ps(chunk.as_ptr()), limit);
            let packed = _mm512_maskz_compress_epi32(within, positions);
            _mm512_storeu_si512(start.add(len).cast(), packed);
            len += within.count_ones() as usize;
        }
        positions = _mm512_add_epi32(positions, step);
    }
    // SAFETY: the first `len` values were written by the stores above.
    unsafe { out.set_len(len) };
}

/// The squared distance from `point` to `query`: per lane, the operations of [`chunk_distances`]
/// in the same order.
fn squared_distance(point: &[f32], query: &[f32]) -> f32 {
    point.iter().zip(query).fold(0.0, |sum, (x, q)| {
        let difference = x - q;
        sum + difference * difference
    })
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
    // Shift the farther ones up from the end: an insertion step, without the binary search and
    // the library move call (most offers land near the end). 100,000 × 11 points, one core, old
    // and new alternated four times: fit 1.75-2.18 → 1.60-1.79 s, scoring 10,000 rows
    // 0.186-0.210 → 0.169-0.198 s.
    best.push(candidate);
    let mut at = best.len() - 1;
    while at > 0 && best[at - 1].squared_distance > candidate.squared_distance {
        best[at] = best[at - 1];
        at -= 1;
    }
    best[at] = candidate;
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
            for round in 0..50 {
                // Every instruction set this CPU has, in turn (more than it has: clamped).
                let isa = [Isa::Baseline, Isa::Avx2, Isa::Avx512][round % 3];
                let mut scratch = SearchScratch {
                    isa: Some(isa),
                    ..SearchScratch::default()
                };
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

    /// The `k` nearest as offering every point in tree order gives them: by squared distance
    /// (the sequential sum), ties by position.
    fn offered(tree: &KdTree, query: &[f32], k: usize) -> Vec<Neighbour> {
        let mut all: Vec<Neighbour> = tree
            .points()
            .chunks_exact(tree.n_dims)
            .enumerate()
            .map(|(position, point)| Neighbour {
                position: position as u32,
                squared_distance: squared_distance(point, query),
            })
            .collect();
        all.sort_by(|a, b| {
            (a.squared_distance.total_cmp(&b.squared_distance)).then(a.position.cmp(&b.position))
        });
        all.truncate(k);
        all
    }

    #[test]
    fn the_two_pass_scan_finds_exactly_what_offering_every_point_does() {
        // 17 dimensions: every point is scanned. Values on a coarse grid tie often; an offset of
        // 1,000 makes |x|^2 - 2 q.x cancel badly, so only the rounding margin keeps the estimates
        // honest; 7 points are fewer than most k. 13 queries leave a partial block; half of them
        // are training points (a distance of 0, and ties).
        // With `categorical`, the first 9 dimensions are a one-hot category of 4 levels, two
        // flags and 3 constant columns: the scan's layout groups the points (16 groups).
        let n_dims = 17;
        for (offset, n_points, categorical) in [
            (0.0f32, 1000, false),
            (1000.0, 357, false),
            (0.0, 7, false),
            (0.0, 2000, true),
            (1000.0, 2000, true),
        ] {
            let mut rng = ChaCha8Rng::seed_from_u64(5);
            let mut row = || -> Vec<f32> {
                let mut row: Vec<f32> = (0..n_dims)
                    .map(|_| rng.gen_range(-3..=3) as f32 * 0.5 + offset)
                    .collect();
                if categorical {
                    let level = rng.gen_range(0..4);
                    for (dimension, value) in row[..9].iter_mut().enumerate() {
                        *value = match dimension {
                            0..4 => f32::from(u8::from(dimension == level)),
                            4 | 5 => f32::from(u8::from(rng.gen_bool(0.3))),
                            _ => 2.0,
                        } + offset;
                    }
                }
                row
            };
            let points: Vec<f32> = (0..n_points).flat_map(|_| row()).collect();
            let mut queries: Vec<f32> = (0..7).flat_map(|_| row()).collect();
            for row in points
                .chunks_exact(n_dims)
                .cycle()
                .step_by(n_points / 6 + 1)
                .take(6)
            {
                queries.extend_from_slice(row);
            }
            let (tree, _) = KdTree::build(&points, n_dims);
            assert!(tree.brute_force);
            let layout = tree.scan.as_ref().expect("a scan layout");
            if categorical {
                assert_eq!(layout.constant, (0..9).collect::<Vec<_>>());
                assert_eq!(layout.n_groups(), 16);
            } else {
                assert!(layout.constant.is_empty());
            }
            for k in [0, 1, 5, 16, 17, 20, 33, 64, 65, 100] {
                for isa in [Isa::Baseline, Isa::Avx2, Isa::Avx512] {
                    let mut scratch = SearchScratch {
                        isa: Some(isa),
                        ..SearchScratch::default()
                    };
                    let mut answered = 0;
                    tree.for_each_nearest(&queries, k, &mut scratch, |index, found| {
                        let query = &queries[index * n_dims..(index + 1) * n_dims];
                        assert_eq!(
                            found,
                            offered(&tree, query, k),
                            "offset {offset}, {n_points} points, k {k}, query {index}, \
                             {isa:?} (this CPU: {:?})",
                            Isa::detect()
                        );
                        assert_eq!(found.len(), k.min(n_points));
                        answered += 1;
                    });
                    assert_eq!(answered, 13);
                }
            }
        }
    }

    #[test]
    fn total_order_keys_order_as_total_cmp_and_give_the_value_back() {
        let values = [
            f32::NEG_INFINITY,
            -3.5,
            -1e-30,
            -0.0,
            0.0,
            1e-30,
            2.0,
            f32::INFINITY,
        ];
        for pair in values.windows(2) {
            assert!(
                total_order_key(pair[0]) < total_order_key(pair[1]),
                "{pair:?}"
            );
        }
        for value in values {
            assert_eq!(
                from_total_order_key(total_order_key(value)).to_bits(),
                value.to_bits()
            );
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
