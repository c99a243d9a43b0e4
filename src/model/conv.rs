//! A same-length 1-D convolution computed as one matrix product, on `[batch, positions,
//! channels]` tensors.
//!
//! burn's `Conv1d::forward` goes through a general N-d convolution (im2col, then a gemm, and
//! transposed convolutions for the input gradients): most of a training step's time. A
//! kernel-k convolution is also the product of the k shifted copies of the sequence, side by
//! side, with the kernel laid out as a `[k × channels_in, channels_out]` matrix: the matrix
//! kernels are the fast ones, forwards and backwards. The parameters stay the `Conv1d`'s own,
//! so model files and results are the same as `Conv1d::forward` with `Same` padding.

use burn::nn::conv::Conv1d;
use burn::tensor::Tensor;

/// `x`: `[B, H, C_in]` → `[B, H, C_out]`, equal to `conv.forward` (odd kernel, stride 1,
/// `Same` zero padding) on the `[B, C_in, H]` layout.
pub(super) fn conv_same(conv: &Conv1d, x: Tensor<3>) -> Tensor<3> {
    let [b, h, c] = x.dims();
    let weight = conv.weight.val(); // [C_out, C_in, k]
    let [f, _, k] = weight.dims();
    let pad = k / 2;
    let padded = if pad > 0 {
        let zeros = Tensor::<3>::zeros([b, pad, c], &x.device());
        Tensor::cat(vec![zeros.clone(), x, zeros], 1)
    } else {
        x
    };
    // [B, H, k·C_in]: column j·C_in + i holds input channel i at offset j.
    let shifted: Vec<Tensor<3>> = (0..k).map(|j| padded.clone().narrow(1, j, h)).collect();
    let windows = Tensor::cat(shifted, 2).reshape([b * h, k * c]);
    // Row j·C_in + i of the matrix: the kernel's weight of channel i at offset j.
    let matrix = weight.permute([2, 1, 0]).reshape([k * c, f]);
    let mut out = windows.matmul(matrix);
    if let Some(bias) = &conv.bias {
        out = out + bias.val().reshape([1, f]);
    }
    out.reshape([b, h, f])
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::PaddingConfig1d;
    use burn::nn::conv::Conv1dConfig;
    use burn::tensor::Distribution;

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
            let burns: Vec<f32> = conv
                .forward(x.swap_dims(1, 2))
                .swap_dims(1, 2)
                .try_into_vec_as()
                .unwrap();
            assert_eq!(ours.len(), 2 * 7 * 4);
            for (a, b) in ours.iter().zip(&burns) {
                assert!((a - b).abs() < 1e-4, "kernel {k}: {a} vs {b}");
            }
        }
    }
}
