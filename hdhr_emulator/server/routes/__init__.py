"""HTTP routes grouped by what they serve: streams, device documents, guide files, media, logos."""
