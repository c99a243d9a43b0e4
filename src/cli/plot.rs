//! The training-curve plot written next to each model.

use plotters::prelude::*;

use movierec::train::EpochLog;

/// Train RMSE (√ of the epoch's mean training MSE) and validation RMSE per epoch, as SVG text.
pub fn training_curve(log: &[EpochLog]) -> anyhow::Result<String> {
    let mut svg = String::new();
    draw(log, &mut svg)?;
    Ok(svg)
}

fn draw(log: &[EpochLog], svg: &mut String) -> anyhow::Result<()> {
    let train: Vec<(f64, f64)> = log
        .iter()
        .map(|e| (e.epoch as f64, e.train_mse.sqrt()))
        .collect();
    let valid: Vec<(f64, f64)> = log
        .iter()
        .map(|e| (e.epoch as f64, e.validation_rmse))
        .collect();
    let all = train.iter().chain(&valid).map(|p| p.1);
    let (lo, hi) = all.fold((f64::MAX, f64::MIN), |(lo, hi), y| (lo.min(y), hi.max(y)));
    let pad = ((hi - lo) * 0.1).max(0.01);
    let root = SVGBackend::with_string(svg, (720, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("movierec training curve", ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(52)
        .build_cartesian_2d(0.5f64..(log.len() as f64 + 0.5), (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("RMSE")
        .draw()?;
    chart
        .draw_series(LineSeries::new(train, &BLUE))?
        .label("train")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE));
    chart
        .draw_series(LineSeries::new(valid, &RED))?
        .label("validation")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED));
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    root.present()?;
    Ok(())
}
