"""The Backprop and Layers tabs: one forward and backward pass drawn on the network, step by step.

- ``backprop_view``: the Backprop tab (a sample, the network diagram, the equations with this
  sample's numbers, the last update, the gradient check, the deliberate bugs);
- ``network_diagram`` and ``diagram_layout``: the drawing of the network and its geometry;
- ``equations``: the lab's equations with the numbers filled in (text, no Qt);
- ``sample_source``: which sample is shown (a test sample, the Draw tab's digit, the next
  training sample, the last update);
- ``step_strip``: the change ``ΔW`` an update made, layer by layer;
- ``gradient_check_panel`` and ``bug_input``: checking backprop, and breaking it on purpose;
- ``layer_health_view`` and ``layer_series``: the Layers tab (gradient health per layer).

The views only draw: every number comes from ``engine.trace_backprop``, ``check_gradients``,
the runs' ``History`` and ``activation_histograms``.
"""
