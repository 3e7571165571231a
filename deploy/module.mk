# Deployment targets (containers, compose, Kubernetes); no binary is built here.
#   make images        build every landed service's image + redis (docker, else podman)
#   make images-test   no registry needed: debootstrap base images, build with
#                      --pull=never, run each image and check user, labels and health
#   make k8s-check     render every kustomize overlay and validate the objects
.PHONY: images images-test k8s-check compose-test

images:
	deploy/build-images

images-test:
	deploy/images-test

k8s-check:
	deploy/k8s-check

compose-test:
	deploy/compose-test
