"""Probes measure a trained model (any ``nn.Module`` image classifier) in the frequency domain."""
