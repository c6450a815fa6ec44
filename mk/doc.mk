# SPDX-License-Identifier: Apache-2.0
# doc.mk - included by Makefile.am; append with +=.
#
# Man pages (section 3: one per public function, one per header, tlswire(3))
# and doc/api.md, generated from the public headers' comments by
# doc/mkman.py, which fails on an undocumented function. `make` builds them
# when python3 is found; the tarball ships them, so a build from it needs
# no python; `make install` installs them into $(mandir)/man3. The guides
# are Markdown files in doc/. Tests: tests/docs.sh (the generator, its
# failure on an undocumented function, every exported symbol documented, a
# page rendered, the README's pump loop equal to examples/memory_pair.c's);
# tests/outoftree.sh checks the installed pages and doc/pyopenssl.md.

TW_DOC_INPUT = $(addprefix $(srcdir)/,$(tlswireinclude_HEADERS)) \
	include/tlswire/version.h
TW_MKMAN = $(PYTHON3) $(srcdir)/doc/mkman.py
tw_man3dir = $(mandir)/man3

TW_GUIDES = doc/pyopenssl.md doc/memory-api.md doc/transports.md \
	doc/event-loops.md doc/verifying.md
EXTRA_DIST += LICENSE doc/mkman.py doc/checkdoc.py doc/pyopenssl-names.txt \
	$(TW_GUIDES) tests/docs.sh examples/memory_pair.c \
	examples/socket_client.c examples/session_resume.c \
	examples/custom_transport.c
TESTS += tests/docs.sh

if HAVE_PYTHON3
TW_DOC_STAMP = doc/man3.stamp

# The pages go to a new directory first, so a failed run leaves none.
doc/man3.stamp: $(TW_DOC_INPUT) $(srcdir)/doc/mkman.py
	@$(MKDIR_P) doc
	@rm -rf doc/man3.tmp doc/api.md.tmp
	$(AM_V_GEN)$(TW_MKMAN) --outdir doc/man3.tmp --markdown doc/api.md.tmp \
		--version '$(PACKAGE_VERSION)' $(TW_DOC_INPUT)
	@rm -rf doc/man3 && mv doc/man3.tmp doc/man3 && \
		mv doc/api.md.tmp doc/api.md && touch $@
else
TW_DOC_STAMP =
endif
all-local: $(TW_DOC_STAMP)

# The pages of this build, or those the tarball shipped.
TW_MAN3_SRC = d=doc/man3; test -d $$d || d='$(srcdir)/doc/man3'

install-data-local: tw-install-man3
tw-install-man3:
	@$(TW_MAN3_SRC); \
	if test -d "$$d"; then \
	  $(MKDIR_P) '$(DESTDIR)$(tw_man3dir)' && \
	  $(INSTALL_DATA) "$$d"/*.3 '$(DESTDIR)$(tw_man3dir)'; \
	else echo "no man pages to install: python3 was not found"; fi

uninstall-local: tw-uninstall-man3
tw-uninstall-man3:
	@$(TW_MAN3_SRC); \
	test -d "$$d" || exit 0; \
	for f in "$$d"/*.3; do rm -f '$(DESTDIR)$(tw_man3dir)'/"$${f##*/}"; done

dist-hook: tw-dist-man3
tw-dist-man3: $(TW_DOC_STAMP)
	@$(TW_MAN3_SRC); \
	test -d "$$d" || { echo "no man pages to ship: install python3"; \
	  exit 1; }; \
	rm -rf '$(distdir)/doc/man3' && $(MKDIR_P) '$(distdir)/doc/man3' && \
	cp -p "$$d"/*.3 '$(distdir)/doc/man3/' && \
	a=doc/api.md; test -f "$$a" || a='$(srcdir)/doc/api.md'; \
	cp -p "$$a" '$(distdir)/doc/api.md'

# Generated files of an out-of-tree build go with `make clean`; in the
# source tree (where a tarball ships them) only maintainer-clean removes
# them.
clean-local: tw-clean-doc
tw-clean-doc:
	rm -rf doc/man3.tmp doc/api.md.tmp
	if test '$(srcdir)' != .; then \
	  rm -rf doc/man3 doc/api.md doc/man3.stamp; fi

maintainer-clean-local: tw-maintainer-clean-doc
tw-maintainer-clean-doc:
	rm -rf doc/man3 doc/api.md doc/man3.stamp

.PHONY: tw-install-man3 tw-uninstall-man3 tw-dist-man3 tw-clean-doc \
	tw-maintainer-clean-doc
