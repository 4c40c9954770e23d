# Builds ngx_http_orderhooks_module.so against the nginx source tree that
# Debian's nginx-dev ships (NGX_SRC), as a dynamic module.

MODULE_DIR  := $(BUILD)/nginx
MODULE_SO   := $(MODULE_DIR)/ngx_http_orderhooks_module.so
MODULE_SRCS := $(wildcard ngx_http_orderhooks_module/*.c \
                          ngx_http_orderhooks_module/*.h) $(CORE_SRCS) \
               $(CORE_HDRS) config
MODULE_CC_OPT ?= -fPIC -O2 -g

module: $(MODULE_SO)

$(MODULE_DIR)/Makefile: config
	@mkdir -p $(MODULE_DIR)
	cd $(NGX_SRC) && bash -c '. ./conf_flags && ./configure \
	    --with-cc-opt="$(MODULE_CC_OPT)" "$${NGX_CONF_FLAGS[@]}" \
	    --add-dynamic-module=$(CURDIR) --builddir=$(MODULE_DIR)' \
	    > $(MODULE_DIR)/configure.log 2>&1 \
	    || { tail -30 $(MODULE_DIR)/configure.log; exit 1; }

$(MODULE_SO): $(MODULE_DIR)/Makefile $(MODULE_SRCS)
	$(MAKE) -s -f $(MODULE_DIR)/Makefile -C $(NGX_SRC) modules
