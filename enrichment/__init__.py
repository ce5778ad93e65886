"""Enrichment: sentiment, language, relevance, intent, influence and issue clusters.

Not built yet: it arrives with the enrichment issue (#4). The package exists so the
distribution's layout is settled; nothing here is called by the pipeline today.
"""
