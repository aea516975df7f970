from django.dispatch import Signal

# Sent with `scheme` after staff change concepts (labels or hierarchy), so that
# containers can refresh what they derive from concept labels.
concepts_changed = Signal()
