"""The Training tab and the Experiment panel: the run's controller, the form, the live plots."""
