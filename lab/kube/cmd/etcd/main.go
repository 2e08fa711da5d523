// Command etcd runs the upstream etcd server at the version that the pinned
// k8s.io/kubernetes module itself requires, so that the API server talks to the
// etcd release it was built and tested against.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
