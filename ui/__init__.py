"""App-side helpers: data loading with caching, the shared sidebar filters, and rendering blocks."""
