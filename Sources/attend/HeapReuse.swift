import CAttendShims

/// Makes freed memory stay in the process for the next batch, instead of going back to the kernel.
///
/// The encoder's buffers for a batch are tens to hundreds of megabytes (the im2col matrix of stage 2 is
/// 115 MB at 8 images). glibc serves blocks over 32 MB with mmap and unmaps them on free, and threads other
/// than the main one get their own heaps, trimmed as they shrink: every batch then faults its buffers in
/// afresh, page by page (≈ 5,000 faults an image, a fifth of the CPU time in the kernel). With one heap
/// for all threads, no mmap and no trimming, the buffers of one batch are reused by the next: the peak is
/// the same (one batch's worth), the faults and the kernel time go away.
func keepFreedMemoryForReuse() {
    attend_keep_freed_memory()
}
