"""Audio: devices, capture, resampling to 8 kHz, G.711, file and TTS sources, level DSP."""
