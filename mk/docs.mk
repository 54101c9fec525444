# make docs-images: redraw docs/pdf-summary.png and docs/xlsx-summary.png,
# the README's pictures of the samples' reports (tools/docs-images.sh).
.PHONY: docs-images
docs-images: all
	$(Q)sh tools/deps.sh docs
	$(Q)BUILD=$(BUILD) sh tools/docs-images.sh
