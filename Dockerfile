# The one qmysql image: the operator, every cluster's controller, and the agent binary that the
# database pods' init container copies into the flavor's own image (docs/operator.md).
#
#   docker build -t ghcr.io/qiniu/qmysql:0.1.0 .
#
# The Swift runtime is linked statically (--static-swift-stdlib), so the binary needs only glibc,
# libmariadb3 (plus its libssl and zlib) and libzstd1 (in every Ubuntu image: apt needs it).
# libedit2 is loaded only by the restore wizard (dlopen), so the agent runs without it. Both stages are Ubuntu 22.04: the official MariaDB
# 10.11 images are Ubuntu 22.04 too, and the agent runs inside them, on their glibc and their
# libmariadb3. (Percona XtraDB Cluster images are Oracle Linux with an older glibc and no
# libmariadb: see docs/operator.md, "Not yet".)

FROM swift:6.3-jammy AS build
RUN apt-get update && apt-get install -y --no-install-recommends libmariadb-dev libzstd-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a source change does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
RUN swift build -c release --static-swift-stdlib --product kubectl-qmysql \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/kubectl-qmysql" /out/kubectl-qmysql

FROM ubuntu:22.04
RUN apt-get update && apt-get install -y --no-install-recommends libmariadb3 libedit2 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 65532 --no-create-home --shell /usr/sbin/nologin qmysql
COPY --from=build /out/kubectl-qmysql /usr/local/bin/kubectl-qmysql
# The operator and the controllers run as this user; the database pods run as the image's mysql user.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/kubectl-qmysql"]
CMD ["operator"]
