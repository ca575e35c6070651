"""`mk-controller-manager`: the control loops of minik8s (see `controllers.main`)."""
