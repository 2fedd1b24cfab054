"""GoldenImagePipeline: source VM -> (generalize) -> capture -> publish to regions, as one component."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from imageforge.providers import CustomImage, GeneralizedVM, ImageRegionSet


class GoldenImagePipeline(pulumi.ComponentResource):
    """One golden image on one cloud: captured from `source` in `region`, published to `regions`.

    With `generalize` set (Azure), a GeneralizedVM runs the guest preparation first and the capture
    depends on it.
    """

    image_id: pulumi.Output[str]
    images: pulumi.Output[dict]

    def __init__(self, name: str, *, cloud: str, region: str, source: Mapping[str, Any], image_name: str,
                 regions: Sequence[Any] = (), service: str | None = None, description: str | None = None,
                 tags: Mapping[str, str] | None = None, capture: Mapping[str, Any] | None = None,
                 publish: Mapping[str, Any] | None = None, generalize: Mapping[str, Any] | None = None,
                 endpoint: str | None = None, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("imageforge:components:GoldenImagePipeline", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        capture_source: Any = dict(source)
        if generalize is not None:
            prepared = GeneralizedVM(f"{name}-generalized", cloud=cloud, region=region, vm=source.get("instance"),
                                     endpoint=endpoint, **dict(generalize), opts=child)
            capture_source = prepared.source  # carries the VM's os_state, so check sees it is generalized
        image = CustomImage(f"{name}-image", cloud=cloud, service=service, region=region, name=image_name,
                            description=description, tags=dict(tags or {}), source=capture_source,
                            endpoint=endpoint, opts=child, **dict(capture or {}))
        self.image_id = image.image_id
        self.status = image.status
        if regions:
            published = ImageRegionSet(f"{name}-regions", cloud=cloud, service=service, region=region,
                                       image_id=image.image_id, regions=list(regions), name=image_name,
                                       description=description, tags=dict(tags or {}), endpoint=endpoint,
                                       opts=child, **dict(publish or {}))
            self.images = published.image_ids
        else:
            self.images = pulumi.Output.from_input({})
        self.register_outputs({"image_id": self.image_id, "images": self.images, "status": self.status})
