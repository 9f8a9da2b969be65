# shellcheck shell=bash
# Common settings for the bin/ tools.  Sourced, never run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
TREE=${TREE:-$BUILD/linux}	# assembled kernel source (a git repo)
OBJ=${OBJ:-$BUILD/obj}		# out-of-tree kernel build (O=)
OUT=$ROOT/out

# shellcheck source=../BASE
. "$ROOT/BASE"

# Our own directories; everything else the repo tracks is a new in-tree file
# that must be claimed by exactly one line of patches/series.
OWN_PATHS='^(BASE|Makefile|README\.md|\.gitignore|\.ci/|bench/|bin/|config/|guest/|patches/)'

die() { echo "error: $*" >&2; exit 1; }
say() { echo "==> $*"; }

# git in the assembled tree, with a fixed abbreviation so exports are stable.
tgit() { git -C "$TREE" -c core.abbrev=12 -c advice.detachedHead=false "$@"; }

# Fixed identity and date for the imported base commit, so its id only
# depends on the tarball.
base_commit_env() {
	export GIT_AUTHOR_NAME="Debian $package" GIT_AUTHOR_EMAIL="debian-kernel@lists.debian.org"
	export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
	export GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"
}

# series_lines: print "patch newfile..." for each non-comment line.
series_lines() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$ROOT/patches/series"
}

base_tag() { echo "base-${sha256:0:16}"; }

# import_base: make $TREE a git repo whose tag base-<sha> is the pristine
# tarball.  Does nothing when that tag already exists.
import_base() {
	local tag
	tag=$(base_tag)
	if [ -d "$TREE/.git" ] && tgit rev-parse -q --verify "refs/tags/$tag" >/dev/null; then
		return 0
	fi
	[ -f "$tarball" ] || die "$tarball missing: run 'make setup' (bin/setup) first"
	say "importing $package $version into $TREE (once; about 2 minutes)"
	rm -rf "$TREE"
	mkdir -p "$TREE"
	tar -xf "$tarball" --strip-components=1 -C "$TREE"
	(
		cd "$TREE"
		git init -q -b main
		git config gc.auto 0
		git config core.abbrev 12
		echo "    git add (about 90k files)"
		git add -A -f
		base_commit_env
		git commit -q -m "Linux $package $version (Debian source package)" \
			-m "sha256 of $tarball: $sha256"
		git tag "$tag"
	)
}

# base_worktree: print the path of a work tree of the pristine base
# (build/base), made once, for what is built from the unpatched source.
base_worktree() {
	local wt=$BUILD/base
	import_base >&2
	if [ ! -e "$wt/.git" ]; then
		rm -rf "$wt"
		tgit worktree add -q --detach "$wt" "refs/tags/$(base_tag)"
	fi
	echo "$wt"
}

# assemble: build one commit per series line on top of the base, without
# touching any work tree (a private index and git plumbing), and print the
# id of the last commit.  The same inputs always give the same ids.
assemble() {
	local parent tmp n=0 line patch f mode blob tree name email date subj
	parent=$(tgit rev-parse "refs/tags/$(base_tag)^{commit}")
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" RETURN
	export GIT_INDEX_FILE=$tmp/index
	tgit read-tree "$parent"
	while read -r line; do
		n=$((n + 1))
		# shellcheck disable=SC2086
		set -- $line
		patch=$1
		shift
		[ -f "$ROOT/patches/$patch" ] || { unset GIT_INDEX_FILE; die "series line $n: patches/$patch missing"; }
		if ! tgit apply --cached "$ROOT/patches/$patch" 2>"$tmp/err"; then
			unset GIT_INDEX_FILE
			cat "$tmp/err" >&2
			die "patches/$patch does not apply (without fuzz) on top of series line $((n - 1))"
		fi
		for f in "$@"; do
			[ -f "$ROOT/$f" ] || { unset GIT_INDEX_FILE; die "series line $n ($patch) names $f, which does not exist"; }
			mode=100644
			[ -x "$ROOT/$f" ] && mode=100755
			blob=$(tgit hash-object -w --no-filters -- "$ROOT/$f")
			tgit update-index --add --cacheinfo "$mode,$blob,$f"
		done
		tree=$(tgit write-tree)
		git mailinfo -b "$tmp/msg" /dev/null <"$ROOT/patches/$patch" >"$tmp/info"
		name=$(sed -n 's/^Author: //p' "$tmp/info")
		email=$(sed -n 's/^Email: //p' "$tmp/info")
		date=$(sed -n 's/^Date: //p' "$tmp/info")
		subj=$(sed -n 's/^Subject: //p' "$tmp/info")
		{ printf '%s\n\n' "$subj"; cat "$tmp/msg"; } >"$tmp/commitmsg"
		parent=$(GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$date \
			GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE=$date \
			tgit commit-tree "$tree" -p "$parent" -F "$tmp/commitmsg")
	done < <(series_lines)
	unset GIT_INDEX_FILE
	echo "$parent"
}

# export_series DIR [REV]: write what base..REV holds back into the repo
# shape: DIR/patches/NNNN-*.patch and DIR/patches/series for the changes to
# upstream files, DIR/<path> for every file a commit adds.
export_series() {
	local dir=$1 rev=${2:-HEAD} n=0 c added f excl name
	mkdir -p "$dir/patches"
	: >"$dir/patches/series.new"
	for c in $(tgit rev-list --reverse "refs/tags/$(base_tag)..$rev"); do
		n=$((n + 1))
		added=$(tgit diff-tree --no-commit-id -r --diff-filter=A --name-only "$c")
		excl=()
		for f in $added; do
			excl+=(":(exclude)$f")
			mkdir -p "$dir/$(dirname "$f")"
			tgit cat-file blob "$c:$f" >"$dir/$f"
			if [ "$(tgit ls-tree "$c" -- "$f" | cut -c1-6)" = 100755 ]; then
				chmod +x "$dir/$f"
			else
				chmod -x "$dir/$f"
			fi
		done
		name=$(tgit format-patch -1 "$c" --zero-commit --no-signature --no-numbered \
			--start-number "$n" -o "$dir/patches" -- . "${excl[@]}")
		[ -n "$name" ] || die "commit $(tgit log -1 --format='%h %s' "$c") changes no upstream file; every series line needs a patch"
		echo "$(basename "$name")" $added >>"$dir/patches/series.new"
	done
	{
		echo "# Applied in order by bin/tree.  Each line: the patch to upstream files,"
		echo "# then the new files that patch introduces (repo paths = in-tree paths)."
		cat "$dir/patches/series.new"
	} >"$dir/patches/series"
	rm -f "$dir/patches/series.new"
}
