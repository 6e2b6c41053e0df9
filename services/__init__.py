"""The three Tanggap services: survey (intake), aggregator (indicators), notifier (coaching loop)."""
