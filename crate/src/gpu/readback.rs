use super::Context;

/// Copies the first `len` values of `src` (which needs COPY_SRC) back to the CPU. Natively this
/// blocks in `poll`; in the browser the await yields to the event loop until the map completes.
pub async fn read<T: bytemuck::Pod>(ctx: &Context, src: &wgpu::Buffer, len: usize) -> Result<Vec<T>, String> {
    let bytes = (len * std::mem::size_of::<T>()) as u64;
    let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("readback"),
        size: bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    encoder.copy_buffer_to_buffer(src, 0, &staging, 0, bytes);
    ctx.queue.submit([encoder.finish()]);
    let (tx, rx) = futures_channel::oneshot::channel();
    staging.map_async(wgpu::MapMode::Read, .., move |result| {
        let _ = tx.send(result);
    });
    ctx.device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| format!("GPU poll failed: {e}"))?;
    rx.await
        .map_err(|_| "the GPU dropped a readback".to_string())?
        .map_err(|e| format!("mapping a GPU buffer failed: {e}"))?;
    let data = staging.get_mapped_range(..).map_err(|e| format!("reading a mapped buffer: {e}"))?;
    let values = bytemuck::pod_collect_to_vec(&data);
    drop(data);
    staging.unmap();
    Ok(values)
}
