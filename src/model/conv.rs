//! A same-length 1-D convolution computed as one row gather and one matrix product, on
//! `[batch, positions, channels]` tensors.
//!
//! burn's `Conv1d::forward` goes through a general N-d convolution (im2col, then a gemm, and
//! transposed convolutions for the input gradients): most of a training step's time. A
//! kernel-k convolution is also the product of the k shifted copies of the sequence, side by
//! side, with the kernel laid out as a `[k × channels_in, channels_out]` matrix. The shifted
//! copies are one `select` of rows (with an extra zero row for the padding): its backward is
//! one scatter-add, where padding, narrowing and concatenating cost a fresh buffer per shift.
//! The parameters stay the `Conv1d`'s own, so model files and results are the same as
//! `Conv1d::forward` with `Same` padding.

use burn::nn::conv::Conv1d;
use burn::tensor::{Int, Tensor, TensorData};

/// `x`: `[B, H, C_in]` → `[B, H, C_out]`, equal to `conv.forward` (odd kernel, stride 1,
/// `Same` zero padding) on the `[B, C_in, H]` layout.
pub(super) fn conv_same(conv: &Conv1d, x: Tensor<3>) -> Tensor<3> {
    let [b, h, c] = x.dims();
    let [f, _, k] = conv.weight.val().dims();
    let device = x.device();
    let zero_row = Tensor::<2>::zeros([1, c], &device);
    let rows = Tensor::cat(vec![x.reshape([b * h, c]), zero_row], 0);
    let windows = window_rows(b, h, k, &device);
    add_bias(conv, conv_rows(conv, rows, windows)).reshape([b, h, f])
}

/// The convolution of windows gathered from `rows` `[R, C_in]`, without its bias (see
/// [`add_bias`]): `windows` `[N·k]` names, for each of N output positions, the rows of its k
/// taps in order (a zero row for padding) → `[N, C_out]`.
pub(super) fn conv_rows(conv: &Conv1d, rows: Tensor<2>, windows: Tensor<1, Int>) -> Tensor<2> {
    let [_, c] = rows.dims();
    let weight = conv.weight.val(); // [C_out, C_in, k]
    let [f, _, k] = weight.dims();
    let [taps] = windows.dims();
    // [N, k·C_in]: column j·C_in + i holds input channel i at offset j.
    let gathered = rows.select(0, windows).reshape([taps / k, k * c]);
    // Row j·C_in + i of the matrix: the kernel's weight of channel i at offset j.
    let matrix = weight.permute([2, 1, 0]).reshape([k * c, f]);
    gathered.matmul(matrix)
}

/// `x` `[N, C_out]` plus the convolution's bias, if it has one. A caller that max-pools may
/// add it after pooling, to `[M, C_out]`: a constant per channel does not move the maximum.
pub(super) fn add_bias(conv: &Conv1d, x: Tensor<2>) -> Tensor<2> {
    match &conv.bias {
        Some(bias) => {
            let [f] = bias.val().dims();
            x + bias.val().reshape([1, f])
        }
        None => x,
    }
}

/// Row indices `[B·H·k]` into `[B·H + 1, C]` rows (sequence b's position t at row b·H + t, the
/// zero row last): position t's taps are t − k/2 … t + k/2 of its own sequence.
fn window_rows(b: usize, h: usize, k: usize, device: &burn::tensor::Device) -> Tensor<1, Int> {
    let zero_row = (b * h) as i64;
    let pad = (k / 2) as i64;
    let mut index = Vec::with_capacity(b * h * k);
    for seq in 0..b as i64 {
        for t in 0..h as i64 {
            for j in 0..k as i64 {
                let at = t + j - pad;
                let inside = (0..h as i64).contains(&at);
                index.push(if inside {
                    seq * h as i64 + at
                } else {
                    zero_row
                });
            }
        }
    }
    Tensor::from_data(TensorData::new(index, [b * h * k]), device)
}

/// For token sequences `[M, L]` over a vocabulary of `vocab` tokens: each position's k taps
/// as token ids `[M·L·k]`, the padding as token `vocab` (a zero row appended to the
/// embedding table), for [`conv_rows`] over the embedding table.
pub(super) fn token_windows(tokens: Tensor<2, Int>, k: usize, vocab: usize) -> Tensor<1, Int> {
    let [m, l] = tokens.dims();
    let pad = k / 2;
    let padding = Tensor::<2, Int>::full([m, pad], vocab as i64, &tokens.device());
    let padded = Tensor::cat(vec![padding.clone(), tokens, padding], 1);
    let taps: Vec<Tensor<2, Int>> = (0..k).map(|j| padded.clone().narrow(1, j, l)).collect();
    Tensor::stack::<3>(taps, 2).reshape([m * l * k])
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::PaddingConfig1d;
    use burn::nn::conv::Conv1dConfig;
    use burn::tensor::Distribution;

    /// burn's own `Conv1d` on our `[B, H, C_in]` layout, flattened.
    fn burns(conv: &Conv1d, x: Tensor<3>) -> Vec<f32> {
        let out = conv.forward(x.swap_dims(1, 2)).swap_dims(1, 2);
        out.try_into_vec_as().unwrap()
    }

    fn assert_close(ours: &[f32], expected: &[f32], tolerance: f32, what: &str) {
        assert_eq!(ours.len(), expected.len(), "{what}");
        for (a, b) in ours.iter().zip(expected) {
            assert!((a - b).abs() < tolerance, "{what}: {a} vs {b}");
        }
    }

    #[test]
    fn equals_burns_convolution_with_same_padding() {
        let device = crate::device();
        for (k, bias) in [(1, true), (3, true), (3, false), (5, true)] {
            let conv = Conv1dConfig::new(6, 4, k)
                .with_padding(PaddingConfig1d::Same)
                .with_bias(bias)
                .init(&device);
            let x = Tensor::<3>::random([2, 7, 6], Distribution::Normal(0.0, 1.0), &device);
            let ours: Vec<f32> = conv_same(&conv, x.clone()).try_into_vec_as().unwrap();
            assert_eq!(ours.len(), 2 * 7 * 4);
            assert_close(&ours, &burns(&conv, x), 1e-4, &format!("kernel {k}"));
        }
    }

    /// The movie tower's path: taps gathered straight from the embedding table (its padding a
    /// zero row) equal burn's convolution of the embedded sequences.
    #[test]
    fn token_windows_equal_the_convolution_of_embedded_tokens() {
        let device = crate::device();
        let (vocab, e, l) = (9, 5, 6);
        let conv = Conv1dConfig::new(e, 4, 3)
            .with_padding(PaddingConfig1d::Same)
            .init(&device);
        let table = Tensor::<2>::random([vocab, e], Distribution::Normal(0.0, 1.0), &device);
        let ids: Vec<i64> = (0..2 * l as i64)
            .map(|i| (i * 5 + 3) % vocab as i64)
            .collect();
        let tokens = Tensor::<2, Int>::from_data(TensorData::new(ids, [2, l]), &device);
        let embedded = table.clone().select(0, tokens.clone().reshape([2 * l]));
        let rows = Tensor::cat(vec![table, Tensor::zeros([1, e], &device)], 0);
        let windows = token_windows(tokens, 3, vocab);
        let ours: Vec<f32> = add_bias(&conv, conv_rows(&conv, rows, windows))
            .try_into_vec_as()
            .unwrap();
        let expected = burns(&conv, embedded.reshape([2, l, e]));
        assert_close(&ours, &expected, 1e-5, "movie tower");
    }
}
