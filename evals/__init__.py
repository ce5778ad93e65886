"""`make eval`: carewire's quality, measured on the real public data in ../shared/data."""
