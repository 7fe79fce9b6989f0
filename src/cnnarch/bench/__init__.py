"""``cnnarch bench``: forward passes of real models timed on the CPU or a CUDA device, with
statistics, throughput and a roofline verdict against a calibrated peak."""
