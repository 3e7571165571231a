# Deployment targets (containers, compose, Kubernetes); no binary is built here.
#   make images        build every service's image + redis (docker, else podman)
#   make images-test   no registry needed: debootstrap base images, build with
#                      --pull=never, run each image and check user, labels and health
#   make compose-test  docker-compose.yml up through podman, checked, torn down
#   make k8s-check     render every kustomize overlay and validate the objects
# images-test and compose-test install what they need first (mk/deps-images.txt; as root).
.PHONY: images images-test k8s-check compose-test print-services print-image-args deps-images

# The one list of services that ship as images (deploy/Dockerfile), and what differs
# between them: default port, runtime packages beyond the base ones, health probe, and the
# image description. The deploy scripts ask for it: `make -s print-services`, and
# `make -s print-image-args SERVICE=<name>` (one NAME=value build argument a line).
IMAGE_SERVICES := simulator analytics dashboard robot-gateway pigpio-sim
IMAGE_BASE_PACKAGES := libhiredis0.14 libcjson1 libcivetweb1
simulator_IMAGE := PORT=8003 KAFKA=1 HEALTH_PATH=/healthz
simulator_IMAGE_DESCRIPTION := antenna simulator writing reports to the Redis stream.
analytics_IMAGE := PORT=8001 KAFKA=1 HEALTH_PATH=/healthz
analytics_IMAGE_DESCRIPTION := stream analytics with the JSON API.
dashboard_IMAGE := PORT=8000 HEALTH_PATH=/healthz
dashboard_IMAGE_DESCRIPTION := live dashboard merging every analytics replica.
robot-gateway_IMAGE := PORT=8002 HEALTH_PATH=/healthz
robot-gateway_IMAGE_DESCRIPTION := HTTP gateway driving the two robots over pigpio.
pigpio-sim_IMAGE := PORT=8888 HEALTH=pigpio HEALTH_PATH=
pigpio-sim_IMAGE_DESCRIPTION := pigpio daemon emulator (stand-in robot hardware).

# $(call image_field,service,NAME) -> the value of NAME=value in <service>_IMAGE
image_field = $(patsubst $(2)=%,%,$(filter $(2)=%,$($(1)_IMAGE)))

print-services:
	@echo $(IMAGE_SERVICES)

print-image-args:
	$(if $(filter $(SERVICE),$(IMAGE_SERVICES)),,$(error SERVICE must be one of: $(IMAGE_SERVICES)))
	@echo 'SERVICE=$(SERVICE)'
	@echo 'PORT=$(call image_field,$(SERVICE),PORT)'
	@echo 'RUNTIME_PACKAGES=$(IMAGE_BASE_PACKAGES)$(if $(call image_field,$(SERVICE),KAFKA), librdkafka1)'
	@echo 'HEALTH=$(or $(call image_field,$(SERVICE),HEALTH),http)'
	@echo 'HEALTH_PATH=$(call image_field,$(SERVICE),HEALTH_PATH)'
	@echo 'DESCRIPTION=$($(SERVICE)_IMAGE_DESCRIPTION)'

images:
	deploy/build-images

deps-images:
	@mk/install-deps images

images-test: deps-images
	deploy/images-test

k8s-check:
	deploy/k8s-check

compose-test: deps-images
	deploy/compose-test
