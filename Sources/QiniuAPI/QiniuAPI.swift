// QiniuAPI module
