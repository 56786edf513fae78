"""Turn what the clinician captured (typed fields, JSON, free dictation) into a Visit."""
