"""From scored dumps to police work: 涉诈线索 leads and trends over time."""
